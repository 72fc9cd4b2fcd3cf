import { Field, Int, ObjectType } from 'type-graphql';
import { ReplyTemplate } from './reply-template.entity';

@ObjectType()
export class RenderedTemplate {
  @Field(() => ReplyTemplate) template!: ReplyTemplate;
  @Field() text!: string;
  @Field(() => [String], { description: 'Placeholders that had no value for this customer.' }) missing!: string[];
  @Field({ description: "True when the text fits the channel's length limit (SMS: 70 characters of Chinese text, 160 of GSM text)." }) fits!: boolean;
  @Field(() => Int, { description: 'Length as the channel counts it.' }) length!: number;
  @Field(() => Int, { nullable: true, description: "The channel's limit for one message; null when it has none." }) limit!: number | null;
}
