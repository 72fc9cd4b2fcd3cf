import { connectionTypes } from '../../graphql/connection';
import { AuditEntry } from './audit-entry.entity';

export const { Connection: AuditEntryConnection } = connectionTypes(AuditEntry);
