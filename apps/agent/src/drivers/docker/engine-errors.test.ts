import { describe, expect, it } from "vitest";
import { CommandError } from "../../commands/handler.js";
import { engineMessage, toCommandError } from "./engine-errors.js";

/** How dockerode reports a failed call. */
function dockerodeError(statusCode: number, json: unknown, text = "server error"): Error {
  const message = `(HTTP code ${statusCode}) ${text} - ${(json as { message?: string })?.message ?? json} `;
  return Object.assign(new Error(message), { statusCode, json });
}

describe("engine errors", () => {
  it("pass the engine's own message through", () => {
    const e = dockerodeError(500, { message: "Bind for 127.0.0.1:4000 failed: port is already allocated" });
    expect(engineMessage(e)).toBe("Bind for 127.0.0.1:4000 failed: port is already allocated");
    expect(toCommandError(e)).toMatchObject({ code: "command_failed", message: engineMessage(e) });
  });

  it("read a missing container or image as not_found", () => {
    const e = dockerodeError(404, { message: "No such container: abc" }, "no such container");
    expect(toCommandError(e)).toMatchObject({ code: "not_found", message: "No such container: abc" });
  });

  it("strip dockerode's wrapping when the body was not JSON", () => {
    expect(engineMessage(dockerodeError(409, "conflict: in use", "unexpected"))).toBe("conflict: in use");
    expect(engineMessage(new Error("connect ENOENT /run/x.sock"))).toBe("connect ENOENT /run/x.sock");
  });

  it("keep a CommandError as it is", () => {
    const e = new CommandError("unsupported", "no");
    expect(toCommandError(e)).toBe(e);
  });
});
