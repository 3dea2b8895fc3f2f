import net from 'node:net';
import tls from 'node:tls';
import { hostAndPort, tlsEnabled, type TemporalConnectionSettings } from './temporal';

/** Why a process cannot use Temporal, in words that name the setting to check. */
export interface TemporalProblem {
  code:
    | 'TEMPORAL_UNREACHABLE'
    | 'TEMPORAL_TLS_REQUIRED'
    | 'TEMPORAL_TLS_NOT_OFFERED'
    | 'TEMPORAL_TLS_SERVER_NAME'
    | 'TEMPORAL_TLS_SERVER_CA'
    | 'TEMPORAL_TLS_CLIENT_CERT_MISSING'
    | 'TEMPORAL_TLS_CLIENT_CERT_REFUSED'
    | 'TEMPORAL_NAMESPACE_NOT_FOUND'
    | 'TEMPORAL_UNAUTHORIZED'
    | 'TEMPORAL_ERROR';
  message: string;
}

const handshakeWaitMs = 3_000;

const asBuffer = (data: Uint8Array | undefined) => (data ? Buffer.from(data) : undefined);

type HandshakeResult =
  | { kind: 'ok' }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'tls-error'; code: string; reason: string };

/**
 * The gRPC clients say little more than "transport error" or "deadline exceeded" when TLS fails. One TLS handshake
 * with the same settings, made here with Node's own TLS, says which side refused what.
 */
function handshake(settings: TemporalConnectionSettings, timeoutMs: number): Promise<HandshakeResult> {
  const { host, port } = hostAndPort(settings.address);
  const config = typeof settings.tls === 'object' ? settings.tls : {};
  const servername = config.serverNameOverride ?? (net.isIP(host) ? undefined : host);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: HandshakeResult) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    const socket = tls.connect({
      host,
      port,
      servername,
      ALPNProtocols: ['h2'],
      ca: asBuffer(config.serverRootCACertificate),
      cert: asBuffer(config.clientCertPair?.crt),
      key: asBuffer(config.clientCertPair?.key),
      // Node checks the IP address of a server reached by IP when no name is given; so does the gRPC client.
      checkServerIdentity: (name, cert) => tls.checkServerIdentity(servername ?? name, cert),
    });
    socket.setTimeout(timeoutMs, () => finish({ kind: 'unreachable', reason: `no answer within ${timeoutMs / 1000}s` }));
    socket.once('secureConnect', () => {
      // Under TLS 1.3 the server judges the client's certificate after the client thinks the handshake is done: wait
      // a moment for its alert before calling the handshake good.
      setTimeout(() => finish({ kind: 'ok' }), 300);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const code = error.code ?? '';
      if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'].includes(code)) {
        finish({ kind: 'unreachable', reason: error.message });
      } else {
        // OpenSSL's messages carry file names and line numbers; the alert's name is what a person needs.
        const alert = /alert ([a-z ]+?)(?::|$)/i.exec(error.message)?.[1];
        finish({ kind: 'tls-error', code, reason: alert ? `the server sent TLS alert "${alert}"` : error.message });
      }
    });
    socket.once('close', () => finish({ kind: 'tls-error', code: 'CLOSED', reason: 'the server closed the connection' }));
  });
}

function fromTlsError(settings: TemporalConnectionSettings, code: string, reason: string): TemporalProblem {
  const at = settings.address;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      code: 'TEMPORAL_TLS_SERVER_NAME',
      message: `The certificate of the Temporal server at ${at} is not valid for the name this process expects (${reason}); check TEMPORAL_TLS_SERVER_NAME`,
    };
  }
  if (/SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE/.test(code)) {
    return {
      code: 'TEMPORAL_TLS_SERVER_CA',
      message: `The certificate of the Temporal server at ${at} is not signed by a CA this process trusts (${reason}); check TEMPORAL_TLS_SERVER_CA_CERT_PATH`,
    };
  }
  const hasClientCert = typeof settings.tls === 'object' && settings.tls.clientCertPair !== undefined;
  if (/CERTIFICATE_REQUIRED|HANDSHAKE_FAILURE/.test(code) || (!hasClientCert && code === 'CLOSED')) {
    return {
      code: 'TEMPORAL_TLS_CLIENT_CERT_MISSING',
      message: `The Temporal server at ${at} requires a client certificate (mutual TLS); set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH`,
    };
  }
  if (/UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|DECRYPT_ERROR|ACCESS_DENIED/.test(code) || code === 'CLOSED') {
    return {
      code: 'TEMPORAL_TLS_CLIENT_CERT_REFUSED',
      message: `The Temporal server at ${at} refused this process's client certificate (${reason}); check TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH: the certificate must be signed by a CA the server trusts`,
    };
  }
  if (/WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|ECONNRESET/.test(code)) {
    return {
      code: 'TEMPORAL_TLS_NOT_OFFERED',
      message: `The Temporal server at ${at} does not speak TLS, but this process is set to use it; check TEMPORAL_ADDRESS, or set TEMPORAL_TLS=false`,
    };
  }
  return { code: 'TEMPORAL_ERROR', message: `TLS with the Temporal server at ${at} failed: ${reason}; check the TEMPORAL_TLS_* settings` };
}

/**
 * Turns a failed connection or call into one clear sentence. `error` is what the client said; the explanation comes
 * from the error where it is plain (a namespace, a key) and from a TLS handshake of our own where it is not.
 */
export async function explainTemporalFailure(
  settings: TemporalConnectionSettings,
  error: unknown,
  timeoutMs = handshakeWaitMs,
): Promise<TemporalProblem> {
  const text = error instanceof Error ? `${error.message} ${(error.cause as Error | undefined)?.message ?? ''}` : String(error);
  if (/namespace .*not found|NamespaceNotFound/i.test(text)) {
    return {
      code: 'TEMPORAL_NAMESPACE_NOT_FOUND',
      message: `The namespace "${settings.namespace}" does not exist on the Temporal server at ${settings.address}; check TEMPORAL_NAMESPACE, or create it (temporal operator namespace create --namespace ${settings.namespace})`,
    };
  }
  if (/UNAUTHENTICATED|PERMISSION_DENIED|Unauthorized|permission denied|Request unauthorized/i.test(text)) {
    return {
      code: 'TEMPORAL_UNAUTHORIZED',
      message: `The Temporal server at ${settings.address} refused this process's credentials for namespace "${settings.namespace}"; check ${settings.apiKey ? 'TEMPORAL_API_KEY' : 'TEMPORAL_API_KEY or the client certificate'}`,
    };
  }
  const probe = await handshake(settings, timeoutMs);
  if (probe.kind === 'unreachable') {
    return {
      code: 'TEMPORAL_UNREACHABLE',
      message: `Nothing answers at ${settings.address} (${probe.reason}); check TEMPORAL_ADDRESS, or that the Temporal server runs`,
    };
  }
  if (!tlsEnabled(settings)) {
    // Plain text was used: a server that completes a TLS handshake wants TLS.
    if (probe.kind === 'ok' || (probe.kind === 'tls-error' && !/WRONG_VERSION_NUMBER|PACKET_LENGTH|ECONNRESET/.test(probe.code))) {
      return {
        code: 'TEMPORAL_TLS_REQUIRED',
        message: `The Temporal server at ${settings.address} expects TLS; set TEMPORAL_TLS_SERVER_CA_CERT_PATH (and TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH for mutual TLS), or TEMPORAL_TLS=true`,
      };
    }
  } else if (probe.kind === 'tls-error') {
    return fromTlsError(settings, probe.code, probe.reason);
  }
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return { code: 'TEMPORAL_ERROR', message: `Temporal at ${settings.address} did not answer as expected: ${reason}` };
}
