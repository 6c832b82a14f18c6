import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A cartridge's bundle (gzipped ustar: confdir, provisioning steps, hooks), checked before it is stored. */
@Entity({ name: 'cartridge_bundles' })
export class CartridgeBundleEntity {
  @PrimaryColumn({ name: 'cartridge_type', type: 'text' })
  cartridgeType: string;

  @Column({ type: 'text' })
  sha256: string;

  /** Bytes of the archive. */
  @Column({ type: 'integer' })
  size: number;

  @Column({ type: 'integer' })
  files: number;

  @Column({ type: 'bytea', select: false })
  content: Buffer;

  @Column({ name: 'uploaded_by', type: 'text' })
  uploadedBy: string;

  @Column({ name: 'uploaded_at', type: 'timestamptz' })
  uploadedAt: Date;
}
