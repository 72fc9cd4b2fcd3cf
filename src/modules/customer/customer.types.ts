import { connectionTypes } from '../../graphql/connection';
import { Customer } from './customer.entity';
import { Event } from './event.entity';

/** Pages of customers (with their total) and of a customer's events. */
export const { Connection: CustomerConnection } = connectionTypes(Customer, { totalCount: true });
export const { Connection: EventConnection } = connectionTypes(Event);
