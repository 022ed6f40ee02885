import { register } from '../core/registration.ts';
import { CartPoleEnv, type CartPoleOptions } from './cartpole.ts';

export { CartPoleEnv, parseResetBounds } from './cartpole.ts';

register({
  id: 'CartPole-v1',
  entryPoint: (kwargs) => new CartPoleEnv(kwargs as CartPoleOptions),
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  module: import.meta.url,
});
