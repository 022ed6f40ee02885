import { register } from '../core/registration.ts';
import { GovernanceAttackEnv, type GovernanceAttackKwargs } from './attack-env.ts';

export { GovernanceAttackEnv } from './attack-env.ts';

register({
  id: 'dao/GovernanceAttack-v0',
  entryPoint: (kwargs) => new GovernanceAttackEnv(kwargs as GovernanceAttackKwargs),
  maxEpisodeSteps: 1000,
  module: import.meta.url,
});

export { ProtocolDesignEnv } from './design-env.ts';
import { ProtocolDesignEnv, type ProtocolDesignKwargs } from './design-env.ts';

register({
  id: 'dao/ProtocolDesign-v0',
  entryPoint: (kwargs) => new ProtocolDesignEnv(kwargs as ProtocolDesignKwargs),
  module: import.meta.url,
});
