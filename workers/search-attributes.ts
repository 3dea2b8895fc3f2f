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
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.values(searchAttributes).filter((key) => !(key.name in (customAttributes ?? {})));
  if (missing.length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
      ),
    });
    logger.info({ namespace, added: missing.map((key) => key.name) }, 'Added custom search attributes');
  } catch (error) {
    if ((error as { code?: unknown }).code !== grpcAlreadyExists) throw error;
  }
}
