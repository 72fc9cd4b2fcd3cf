import { connectionTypes } from '../../graphql/connection';
import { SurveyResponse } from './survey-response.entity';

export const { Connection: SurveyResponseConnection } = connectionTypes(SurveyResponse);
