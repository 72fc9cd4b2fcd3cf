import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { may } from '../../graphql/auth';
import { Role } from '../../graphql/enums';
import { ApiKey } from './api-key.entity';
import { createApiKey, listApiKeys, revokeApiKey } from './api-key.service';
import { CreatedApiKey } from './api-key.types';

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Authorized(...may.administer)
  @Query(() => [ApiKey])
  apiKeys(@Ctx() ctx: Context): Promise<ApiKey[]> {
    return listApiKeys(ctx.em);
  }

  @Authorized(...may.administer)
  @Mutation(() => CreatedApiKey)
  async createApiKey(@Arg('name') name: string, @Arg('role', () => Role) role: Role, @Ctx() ctx: Context): Promise<CreatedApiKey> {
    const { apiKey, secret } = await createApiKey(ctx.em, ctx.bus, ctx.viewer, { name, role });
    return { apiKey, secret };
  }

  @Authorized(...may.administer)
  @Mutation(() => ApiKey)
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ApiKey> {
    return revokeApiKey(ctx.em, ctx.bus, ctx.viewer, id);
  }
}
