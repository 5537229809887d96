import type { UserEntity } from "./entities/user.entity.js";
import { User } from "./graphql/user.type.js";

export function toUser(entity: UserEntity): User {
  const user = new User();
  user.id = entity.id;
  user.externalRef = entity.externalRef;
  user.status = entity.status;
  user.verifiedAt = entity.verifiedAt;
  user.createdAt = entity.createdAt;
  user.updatedAt = entity.updatedAt;
  user.sealed = {
    firstName: entity.firstNameCt ?? null,
    lastName: entity.lastNameCt ?? null,
    email: entity.emailCt ?? null,
    phoneNumber: entity.phoneNumberCt ?? null,
    dateOfBirth: entity.dateOfBirthCt ?? null,
  };
  return user;
}
