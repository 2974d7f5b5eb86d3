/** A distributor id (first two digits of an MPAN) and the MPAS help desk that answers for it. */
import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'distributor_areas', schema: 'mpas' })
export class DistributorArea {
  @PrimaryColumn('text', { name: 'distributor_id' })
  distributorId!: string;

  @Column('text', { name: 'desk_id' })
  deskId!: string;
}
