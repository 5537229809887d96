import { DataKeyEntity } from "./data-key.entity.js";
import { KeyEntity } from "./key.entity.js";
import { KeyRotationEntity } from "./key-rotation.entity.js";
import { KeyVersionEntity } from "./key-version.entity.js";

export { DataKeyEntity, KeyEntity, KeyRotationEntity, KeyVersionEntity };

/** The `keyring` schema's entities (its migration set). The keyring itself reads and writes them with SQL. */
export const KEYRING_ENTITIES = [KeyEntity, KeyVersionEntity, DataKeyEntity, KeyRotationEntity];
