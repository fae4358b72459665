/** Calls the tRPC HTTP API the way the browser's links do (no transformer, one call per request). */

export interface TrpcResult<T = unknown> {
  status: number;
  data?: T;
  error?: { message: string; code: number; data: { code: string; httpStatus: number; appCode?: string | null } };
  setCookie: string | null;
}

export class TrpcSession {
  cookie: string | null = null;
  constructor(readonly baseUrl: string) {}

  async query<T = unknown>(path: string, input?: unknown): Promise<TrpcResult<T>> {
    const qs = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return this.handle<T>(await fetch(`${this.baseUrl}/api/trpc/${path}${qs}`, { headers: this.headers() }));
  }

  async mutate<T = unknown>(
    path: string,
    input?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<TrpcResult<T>> {
    const res = await fetch(`${this.baseUrl}/api/trpc/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...this.headers(), ...extraHeaders },
      body: input === undefined ? undefined : JSON.stringify(input),
    });
    return this.handle<T>(res);
  }

  private headers(): Record<string, string> {
    return this.cookie ? { cookie: this.cookie } : {};
  }

  private async handle<T>(res: Response): Promise<TrpcResult<T>> {
    const setCookie = res.headers.get("set-cookie");
    if (setCookie) {
      const pair = setCookie.split(";")[0] ?? "";
      this.cookie = /Max-Age=0/.test(setCookie) ? null : pair;
    }
    const body = (await res.json()) as { result?: { data: T }; error?: TrpcResult["error"] };
    return { status: res.status, data: body.result?.data, error: body.error, setCookie };
  }
}
