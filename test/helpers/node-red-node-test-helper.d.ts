// Types for the parts of node-red-node-test-helper the tests use (the package ships none).
declare module 'node-red-node-test-helper' {
  import type { Node } from 'node-red';
  interface Helper {
    init(runtimePath: string, userSettings?: Record<string, unknown>): void;
    settings(userSettings: Record<string, unknown>): Record<string, unknown>;
    load(nodes: unknown, flow: Array<Record<string, unknown>>, credentials?: Record<string, unknown>): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): Node | null;
    startServer(done?: (err?: Error) => void): void;
    stopServer(done?: (err?: Error) => void): void;
    /** supertest on Node-RED's admin app (the package has no types here: the part the tests use). */
    request(): AdminRequest;
    clearFlows(): Promise<void>;
  }
  interface AdminResponse {
    status: number;
    body: unknown;
    text: string;
    headers: Record<string, string>;
  }
  interface AdminTest extends PromiseLike<AdminResponse> {
    send(body: unknown): AdminTest;
    set(header: string, value: string): AdminTest;
    expect(status: number): Promise<AdminResponse>;
  }
  interface AdminRequest {
    get(url: string): AdminTest;
    post(url: string): AdminTest;
    delete(url: string): AdminTest;
  }
  const helper: Helper;
  export default helper;
}
