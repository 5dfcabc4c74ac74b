// autocannon 9 ships no types: the part of its programmatic API the load process uses.

declare module 'autocannon' {
  type Headers = Record<string, string | string[] | undefined>;

  interface RequestParams {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string;
    [key: string]: unknown;
  }

  interface RequestSpec extends RequestParams {
    setupRequest?: (request: RequestParams, context: Record<string, unknown>) => RequestParams | null;
    onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Headers) => void;
  }

  /** One connection. */
  interface Client {
    setRequests(requests: RequestSpec[]): void;
  }

  interface Options {
    url: string;
    connections: number;
    duration: number;
    timeout: number;
    requests: RequestSpec[];
    setupClient?: (client: Client) => void;
  }

  interface Result {
    duration: number;
    errors: number;
    timeouts: number;
    requests: { total: number };
  }

  function autocannon(options: Options, callback: (error: Error | null, result: Result) => void): unknown;
  export default autocannon;
}
