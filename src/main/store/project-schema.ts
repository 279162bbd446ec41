import type { SqliteKind } from './sqlite-file';
import { migration001Initial } from './migrations/001-initial';
import { migration002ImportErrors } from './migrations/002-import-errors';
import { migration003ImageMeta } from './migrations/003-image-meta';
import { migration004EvaluationDetails } from './migrations/004-evaluation-details';
import { migration005RunDetails } from './migrations/005-run-details';
import { migration006Extractions } from './migrations/006-extractions';
import { migration007ActiveAdapterGpuMemory } from './migrations/007-active-adapter-gpu-memory';

/** 'CTVP': marks a SQLite file as a CT-VLM Workbench project. */
export const PROJECT_APPLICATION_ID = 0x43545650;

export const PROJECT_DB_FILE = 'project.sqlite';
export const PROJECT_FILES_DIR = 'files';

export const projectDatabase: SqliteKind = {
  label: 'project database',
  applicationId: PROJECT_APPLICATION_ID,
  migrations: [
    migration001Initial,
    migration002ImportErrors,
    migration003ImageMeta,
    migration004EvaluationDetails,
    migration005RunDetails,
    migration006Extractions,
    migration007ActiveAdapterGpuMemory,
  ],
};
