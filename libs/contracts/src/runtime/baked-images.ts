/** Baking: a provisioned docker member's file system becomes its cartridge's fully configured image. */
export interface BakeRequest {
  actor: { username: string };
  fromMember: string;
  /** repository[:tag]; default stratos-baked/<cartridge type>:<UTC time>. */
  tag?: string;
}

export interface BakedImageView {
  cartridgeType: string;
  image: string;
  imageId: string;
  sizeBytes: number;
  fromMember: string;
  sourceImage: string;
  bakedBy: string;
  bakedAt: string;
}

/** A docker image reference this platform accepts for a bake: lower-case repository, optional tag. */
export const IMAGE_TAG_PATTERN = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;
