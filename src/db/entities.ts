import { ApiKey } from '../modules/workspace/api-key.entity';
import { AuditEntry } from '../modules/workspace/audit-entry.entity';
import { Workspace } from '../modules/workspace/workspace.entity';

/** Every entity, for the ORM's discovery. */
export const entities = [Workspace, ApiKey, AuditEntry];
