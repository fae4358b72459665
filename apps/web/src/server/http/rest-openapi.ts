/**
 * The OpenAPI 3.1 document of the REST surface, generated from the zod input schemas of the
 * procedures the routes call (zod 4's toJSONSchema speaks JSON Schema 2020-12, OpenAPI 3.1's
 * dialect). Served at /api/openapi.json.
 */
import { z } from "zod";
import { appRouter } from "../trpc/router.js";
import { REST_ROUTES, type RestRoute } from "./rest-routes.js";

export const OPENAPI_PATH = "/api/openapi.json";

type JsonSchema = { type?: string; properties?: Record<string, JsonSchema>; required?: string[]; [k: string]: unknown };
type ProcedureDef = { _def: { inputs?: unknown[]; meta?: { permission?: string }; type: string } };

function inputSchemaOf(procedure: string): JsonSchema | null {
  const def = (appRouter._def.procedures as unknown as Record<string, ProcedureDef>)[procedure];
  const input = def?._def.inputs?.[0];
  if (!(input instanceof z.ZodType)) return null;
  const schema = z.toJSONSchema(input, { io: "input", unrepresentable: "any" }) as JsonSchema;
  delete schema.$schema;
  return schema;
}

function permissionOf(procedure: string): string {
  const def = (appRouter._def.procedures as unknown as Record<string, ProcedureDef>)[procedure];
  return def?._def.meta?.permission ?? "unknown";
}

function operation(route: RestRoute) {
  const schema = inputSchemaOf(route.procedure);
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
  const properties = schema?.properties ?? {};
  const parameters = pathParams.map((name) => ({
    name,
    in: "path",
    required: true,
    schema: properties[name] ?? { type: "string" },
  }));
  let requestBody: unknown;
  if (route.method === "GET") {
    for (const [name, prop] of Object.entries(properties)) {
      if (pathParams.includes(name)) continue;
      parameters.push({ name, in: "query", required: schema?.required?.includes(name) ?? false, schema: prop });
    }
  } else if (schema && Object.keys(properties).some((k) => !pathParams.includes(k))) {
    const bodyProps = Object.fromEntries(Object.entries(properties).filter(([k]) => !pathParams.includes(k)));
    const required = (schema.required ?? []).filter((k) => !pathParams.includes(k));
    requestBody = {
      required: required.length > 0,
      content: {
        "application/json": { schema: { ...schema, properties: bodyProps, required } },
      },
    };
  }
  return {
    operationId: route.procedure.replace(".", "_"),
    summary: route.summary,
    description: `Needs the \`${permissionOf(route.procedure)}\` permission in the object's team. Calls tRPC \`${route.procedure}\`.`,
    tags: [route.tag],
    parameters,
    ...(requestBody ? { requestBody } : {}),
    responses: {
      "200": {
        description: "OK",
        content: { "application/json": { schema: { type: "object", properties: { data: {} }, required: ["data"] } } },
      },
      "400": { $ref: "#/components/responses/Error" },
      "401": { $ref: "#/components/responses/Error" },
      "403": { $ref: "#/components/responses/Error" },
      "404": { $ref: "#/components/responses/Error" },
    },
  };
}

export function buildOpenApiDocument(serverUrl?: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of REST_ROUTES) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operation(route);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Flotilla API",
      version: "1",
      description:
        "Automation API over hosts, workloads, commands and plans. Authenticate with an API token made in " +
        "Settings > API tokens: `Authorization: Bearer flt_...`. A token acts with the narrower of its own " +
        "permissions and its owner's current ones; objects outside its teams answer 404.",
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", description: "flt_ API token" } },
      responses: {
        Error: {
          description: "An error",
          content: {
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  error: {
                    type: "object",
                    properties: { code: { type: "string" }, message: { type: "string" } },
                    required: ["code", "message"],
                  },
                },
                required: ["error"],
              },
            },
          },
        },
      },
    },
  };
}
