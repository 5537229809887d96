/**
 * Logical names of the keyring keys the envelope layer uses. The Vault adapter prefixes them
 * (TRUSTID_VAULT_KEY_PREFIX, `trustid-kek` by default); the local keyring stores them as they are.
 */

/** Wraps every data subject's data key (aes256-gcm96). Rotated by `trustid keys rotate`. */
export const KEK_KEY_NAME = "kek";

/**
 * Keys the blind indexes (hmac). Not rotated by `keys rotate`: a new version would change every index value,
 * so moving to one is a re-indexing migration, done deliberately.
 */
export const BLIND_INDEX_KEY_NAME = "blind-index";
