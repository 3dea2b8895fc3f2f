import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Every failure's message and stack trace go into an encoded payload, which the codec encrypts like any other: a
 * message may quote what it failed on (a database's error quotes the values it was given), and Temporal keeps it in
 * the history. Loaded by path (`failureConverterPath`) by the clients, the workers and the workflow bundle alike.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
