import createVaultClient from "node-vault";
import type { Logger } from "../logger.js";
import { KeyringError } from "./keyring-error.js";
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF, sleep } from "./retry-backoff.js";

export interface VaultTransportOptions {
  addr: string;
  token?: string;
  roleId?: string;
  secretId?: string;
  approleMount: string;
  namespace?: string;
  /** PEM of the CA that signed Vault's TLS certificate (VAULT_CACERT, read by the caller). */
  ca?: string;
  timeoutMs: number;
  /** Retries after the first attempt, for network errors and 5xx only. */
  retries: number;
  backoff?: BackoffOptions;
  logger: Logger;
}

export interface VaultResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: Vault's JSON bodies; each operation reads the fields it needs.
  body: any;
}

export interface CallOptions {
  /**
   * Safe to send twice. Every transit data operation is (encrypt yields a new ciphertext, nothing is stored);
   * rotate is not: a retry after a lost response would add a second version.
   */
  idempotent: boolean;
}

/** Renew an AppRole token when this fraction of its lease is left, rather than waiting for a 403. */
const RENEW_AT_REMAINING = 0.1;

/**
 * HTTP to Vault through node-vault: authentication (a token, or AppRole with re-login when the token expires
 * or is refused), per-request timeouts, TLS with a private CA, and retries with backoff on network errors and
 * 5xx only. A 4xx is the server's answer about our request: sending it again cannot change it.
 *
 * node-vault rejects every non-2xx response; this turns those rejections back into responses, because a 400
 * to a batch request still carries each item's result in `data.batch_results`.
 */
export class VaultTransport {
  private readonly client: ReturnType<typeof createVaultClient>;
  private readonly backoff: BackoffOptions;
  private tokenExpiresAt = Number.POSITIVE_INFINITY;
  private tokenLeaseMs = 0;
  private login: Promise<void> | null = null;
  private loggedIn = false;

  constructor(private readonly options: VaultTransportOptions) {
    if (!options.token && !(options.roleId && options.secretId)) {
      throw new TypeError("Vault needs a token or an AppRole role id and secret id");
    }
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.client = createVaultClient({
      endpoint: options.addr,
      token: options.token,
      namespace: options.namespace,
      requestOptions: options.ca ? { ca: options.ca } : {},
    });
  }

  get usesAppRole(): boolean {
    return Boolean(this.options.roleId && this.options.secretId);
  }

  read(path: string, call: CallOptions = { idempotent: true }): Promise<VaultResponse> {
    return this.send(() => this.client.read(path, { timeout: this.options.timeoutMs }), path, call);
  }

  write(path: string, body: unknown, call: CallOptions = { idempotent: true }): Promise<VaultResponse> {
    return this.send(() => this.client.write(path, body, { timeout: this.options.timeoutMs }), path, call);
  }

  private async send(
    request: () => Promise<unknown>,
    path: string,
    call: CallOptions,
  ): Promise<VaultResponse> {
    await this.ensureToken();
    let reloggedIn = false;
    for (let attempt = 0; ; attempt++) {
      try {
        return { status: 200, body: await request() };
      } catch (error) {
        const response = apiResponse(error);
        if (response?.status === 403 && this.usesAppRole && !reloggedIn) {
          // The token expired or was revoked before its lease said so: one fresh login, then the same request.
          reloggedIn = true;
          await this.relogin(true);
          attempt--;
          continue;
        }
        const retryable = response ? response.status >= 500 : isNetworkError(error);
        if (retryable && call.idempotent && attempt < this.options.retries) {
          const delay = backoffDelay(attempt, this.backoff);
          this.options.logger.warn(
            {
              path,
              status: response?.status,
              code: networkCode(error),
              attempt: attempt + 1,
              delayMs: delay,
            },
            "vault request failed; retrying",
          );
          await sleep(delay);
          continue;
        }
        if (response) return response;
        if (isNetworkError(error)) {
          throw new KeyringError("KEYRING_UNAVAILABLE", { cause: networkCode(error) ?? "network error" });
        }
        throw new KeyringError("KEYRING_ERROR", { cause: error });
      }
    }
  }

  private async ensureToken(): Promise<void> {
    if (!this.usesAppRole) return;
    const remaining = this.tokenExpiresAt - Date.now();
    if (!this.loggedIn || remaining < this.tokenLeaseMs * RENEW_AT_REMAINING) await this.relogin(false);
  }

  /** One login at a time; concurrent callers wait for it instead of each logging in. */
  private relogin(force: boolean): Promise<void> {
    if (this.login) return this.login;
    if (
      !force &&
      this.loggedIn &&
      this.tokenExpiresAt - Date.now() >= this.tokenLeaseMs * RENEW_AT_REMAINING
    ) {
      return Promise.resolve();
    }
    this.login = this.appRoleLogin().finally(() => {
      this.login = null;
    });
    return this.login;
  }

  private async appRoleLogin(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        // node-vault stores auth.client_token on the client (approleLogin is a token source).
        const result = await this.client.approleLogin({
          role_id: this.options.roleId,
          secret_id: this.options.secretId,
          mount_point: this.options.approleMount,
          requestOptions: { timeout: this.options.timeoutMs },
        });
        const leaseSeconds = Number(result?.auth?.lease_duration ?? 0);
        this.tokenLeaseMs = leaseSeconds * 1000;
        this.tokenExpiresAt = leaseSeconds > 0 ? Date.now() + this.tokenLeaseMs : Number.POSITIVE_INFINITY;
        this.loggedIn = true;
        this.options.logger.info({ leaseSeconds }, "vault approle login");
        return;
      } catch (error) {
        const response = apiResponse(error);
        const retryable = response ? response.status >= 500 : isNetworkError(error);
        if (retryable && attempt < this.options.retries) {
          await sleep(backoffDelay(attempt, this.backoff));
          continue;
        }
        if (!response && isNetworkError(error)) {
          throw new KeyringError("KEYRING_UNAVAILABLE", { cause: networkCode(error) ?? "network error" });
        }
        throw new KeyringError(retryable ? "KEYRING_UNAVAILABLE" : "KEYRING_DENIED", {
          status: response?.status,
        });
      }
    }
  }
}

function apiResponse(error: unknown): VaultResponse | null {
  const response = (error as { response?: { statusCode?: unknown; body?: unknown } } | null)?.response;
  // node-vault's ApiResponseError carries { statusCode, body }; axios errors carry { status, data } instead.
  if (response && typeof response.statusCode === "number")
    return { status: response.statusCode, body: response.body };
  return null;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_NETWORK",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
]);

function networkCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function isNetworkError(error: unknown): boolean {
  const code = networkCode(error);
  if (code && NETWORK_CODES.has(code)) return true;
  // axios marks transport failures (socket hang up, aborted stream) as errors without an HTTP response.
  const axiosLike = error as { isAxiosError?: boolean; response?: unknown } | null;
  return Boolean(axiosLike?.isAxiosError && !axiosLike.response);
}
