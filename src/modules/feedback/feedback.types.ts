import { connectionTypes } from '../../graphql/connection';
import { FeedbackItem } from './feedback-item.entity';

export const { Connection: FeedbackItemConnection } = connectionTypes(FeedbackItem, { totalCount: true });
