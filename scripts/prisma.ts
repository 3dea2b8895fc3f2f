/**
 * `npm run prisma -- <store|supplier|carrier> <prisma args…>` runs the Prisma CLI on one database (its URL from the
 * environment, as the services read it); `npm run prisma -- generate` generates all three clients.
 */
import { loadConfig } from '../config';
import { runPrisma } from '../prisma/cli';
import { databaseNames, type DatabaseName } from '../prisma/databases';

async function main() {
  const [first, ...rest] = process.argv.slice(2);
  const urls = loadConfig().databases;
  if (first === 'generate') {
    for (const database of databaseNames) {
      const { code, output } = await runPrisma(database, ['generate', ...rest], urls[database]);
      if (code !== 0) {
        process.stderr.write(output);
        process.exit(code);
      }
      console.log(`Generated the ${database} Prisma client`);
    }
    return;
  }
  if (!databaseNames.includes(first as DatabaseName)) {
    console.error(`usage: npm run prisma -- <${databaseNames.join('|')}> <prisma arguments…> | generate`);
    process.exit(2);
  }
  const database = first as DatabaseName;
  const { code } = await runPrisma(database, rest, urls[database], 'inherit');
  process.exit(code);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
