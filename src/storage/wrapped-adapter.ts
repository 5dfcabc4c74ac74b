import type { SqlDriverAdapter, SqlDriverAdapterFactory, Transaction } from '@prisma/driver-adapter-utils';

// The one shape of every wrapper around the driver adapter (statement observer, committed-change
// reporter, closed-transaction guard): the same factory, whose connections — and the transactions
// they start — are passed through `wrap` functions before Prisma sees them.

export interface AdapterWrapping {
  readonly connection?: (adapter: SqlDriverAdapter) => SqlDriverAdapter;
  readonly transaction?: (tx: Transaction) => Transaction;
}

export function wrappedAdapterFactory(factory: SqlDriverAdapterFactory, wrapping: AdapterWrapping): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const connected = await factory.connect();
      const adapter = wrapping.connection?.(connected) ?? connected;
      const wrapTransaction = wrapping.transaction;
      if (wrapTransaction !== undefined) {
        const startTransaction = adapter.startTransaction.bind(adapter);
        adapter.startTransaction = async (...args) => wrapTransaction(await startTransaction(...args));
      }
      return adapter;
    },
  };
}
