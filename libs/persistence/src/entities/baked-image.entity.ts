import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A cartridge's fully configured image, baked from one of its provisioned docker members. */
@Entity({ name: 'baked_images' })
export class BakedImageEntity {
  @PrimaryColumn({ name: 'cartridge_type', type: 'text' })
  cartridgeType: string;

  /** repository:tag, as docker names it. */
  @Column({ type: 'text' })
  image: string;

  @Column({ name: 'image_id', type: 'text' })
  imageId: string;

  @Column({ name: 'size_bytes', type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  sizeBytes: number;

  @Column({ name: 'from_member', type: 'text' })
  fromMember: string;

  /** The image the member started from (the cartridge's generic image). */
  @Column({ name: 'source_image', type: 'text' })
  sourceImage: string;

  @Column({ name: 'baked_by', type: 'text' })
  bakedBy: string;

  @Column({ name: 'baked_at', type: 'timestamptz' })
  bakedAt: Date;
}
