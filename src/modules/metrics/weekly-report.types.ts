import { Field, ID, ObjectType } from 'type-graphql';
import { ExperimentResults } from '../experiment/experiment.types';
import { BusinessMetrics, ServiceMetrics } from './metrics.types';

@ObjectType()
export class ExperimentReport {
  @Field(() => ID) experimentId!: string;
  @Field() name!: string;
  @Field(() => ExperimentResults) results!: ExperimentResults;
}

@ObjectType({ description: "A week's figures, stored on the Monday after at 08:00 in the workspace's time zone." })
export class WeeklyReport {
  @Field({ description: "The week's Monday (YYYY-MM-DD), local." }) weekStart!: string;
  @Field() from!: Date;
  @Field() to!: Date;
  @Field(() => ServiceMetrics, { nullable: true, description: 'Null for a week without conversations or survey answers.' }) service!: ServiceMetrics | null;
  @Field(() => BusinessMetrics) business!: BusinessMetrics;
  @Field(() => [ExperimentReport], { description: 'Every experiment running when the report was made.' }) experiments!: ExperimentReport[];
}
