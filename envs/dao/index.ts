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

export { TreasuryAllocationEnv } from './treasury-env.ts';
import { TreasuryAllocationEnv, type TreasuryAllocationKwargs } from './treasury-env.ts';

register({
  id: 'dao/TreasuryAllocation-v0',
  entryPoint: (kwargs) => new TreasuryAllocationEnv(kwargs as TreasuryAllocationKwargs),
  maxEpisodeSteps: 10_000,
  module: import.meta.url,
});

export { AttackDefenseEnv } from './defense-env.ts';
import { registerParallel } from '../core/parallel.ts';
import { AttackDefenseEnv, type AttackDefenseKwargs } from './defense-env.ts';

registerParallel('dao/AttackDefense-v0', (kwargs) => new AttackDefenseEnv(kwargs as AttackDefenseKwargs));
