import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import type { NativeConnection } from '@temporalio/worker';
import { searchAttributes } from '../contracts/temporal';
import type { Logger } from '../logging';

// gRPC status ALREADY_EXISTS: another orchestrator added the attribute between our list and our add.
const grpcAlreadyExists = 6;

/**
 * Makes sure the namespace knows the purchase's custom search attributes (CustomerId, PurchaseStatus), which the
 * workflow sets and the Web UI filters on. Adds only the missing ones: the server refuses a batch naming one that
 * exists.
 */
export async function ensureSearchAttributes(connection: NativeConnection, namespace: string, logger: Logger) {
  let missing: (typeof searchAttributes)[keyof typeof searchAttributes][];
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    missing = Object.values(searchAttributes).filter((key) => !(key.name in (customAttributes ?? {})));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
      ),
    });
    logger.info({ namespace, added: missing.map((key) => key.name) }, 'Added custom search attributes');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === grpcAlreadyExists) return;
    if (typeof code === 'number' && notPermitted.includes(code)) {
      // Temporal Cloud and locked-down clusters keep this to operators: say exactly what to create, then carry on.
      logger.warn({ namespace, attributes: Object.values(searchAttributes).map((key) => key.name) }, searchAttributesAdvice(namespace));
      return;
    }
    throw error;
  }
}

// PERMISSION_DENIED, UNIMPLEMENTED, UNAUTHENTICATED: the client may not manage search attributes here.
const notPermitted = [7, 12, 16];

const cliTypes: Record<string, string> = { KEYWORD: 'Keyword', TEXT: 'Text', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime' };

/** The commands an operator runs once per namespace when this process may not add the attributes itself. */
export function searchAttributesAdvice(namespace: string): string {
  const keys = Object.values(searchAttributes);
  const cli = keys.map((key) => `--name ${key.name} --type ${cliTypes[key.type] ?? key.type}`).join(' ');
  const cloud = keys.map((key) => `--search-attribute "${key.name}=${cliTypes[key.type] ?? key.type}"`).join(' ');
  return (
    `This connection may not add search attributes to namespace "${namespace}"; purchases still run, but the Web UI ` +
    `cannot filter them until an operator creates ${keys.map((key) => key.name).join(' and ')}: ` +
    `temporal operator search-attribute create --namespace ${namespace} ${cli} ` +
    `(Temporal Cloud: tcld namespace search-attributes add --namespace ${namespace} ${cloud})`
  );
}
