import { databaseConfig } from '../prisma-config';

export default databaseConfig('store');
