/** Runs one statement on its own connection (CREATE/DROP DATABASE, ALTER SYSTEM…). */
export async function admin(serverUrl: string, sql: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
