"""PPO on CartPole-v1 in PyTorch with RL Zoo's settings (8 envs x 32 steps, 20 epochs on the whole 256-row batch,
64x64 tanh actor and critic with orthogonal init, Adam 1e-3 eps 1e-5 annealed linearly, clip 0.2 annealed,
gamma 0.98, lambda 0.8, gradient norm 0.5, one thread). The speed reference for daogym's PPO; prints JSON.
Usage: python3 ppo_cartpole.py STEPS SEED"""
import json, sys, time
import numpy as np
import torch
import torch.nn as nn
from cartpole_np import VecCartPole, blas_library

torch.set_num_threads(1)
steps_total = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
torch.manual_seed(seed)
N_ENVS, N_STEPS, EPOCHS, LR, GAMMA, LAMBDA, CLIP, VF, MAX_NORM = 8, 32, 20, 1e-3, 0.98, 0.8, 0.2, 0.5, 0.5


def layer(i, o, gain):
    lin = nn.Linear(i, o)
    nn.init.orthogonal_(lin.weight, gain)
    nn.init.zeros_(lin.bias)
    return lin


actor = nn.Sequential(layer(4, 64, 2**0.5), nn.Tanh(), layer(64, 64, 2**0.5), nn.Tanh(), layer(64, 2, 0.01))
critic = nn.Sequential(layer(4, 64, 2**0.5), nn.Tanh(), layer(64, 64, 2**0.5), nn.Tanh(), layer(64, 1, 1.0))
params = list(actor.parameters()) + list(critic.parameters())
optimizer = torch.optim.Adam(params, lr=LR, eps=1e-5)
envs = VecCartPole(N_ENVS, seed)
batch = N_ENVS * N_STEPS
updates = steps_total // batch
obs_buf = torch.zeros(N_STEPS, N_ENVS, 4)
act_buf = torch.zeros(N_STEPS, N_ENVS, dtype=torch.long)
logp_buf = torch.zeros(N_STEPS, N_ENVS)
rew_buf = torch.zeros(N_STEPS, N_ENVS)
done_buf = torch.zeros(N_STEPS, N_ENVS)
val_buf = torch.zeros(N_STEPS, N_ENVS)
next_obs = torch.tensor(envs.reset())
next_done = torch.zeros(N_ENVS)
returns_seen = []
start = time.perf_counter()
for update in range(updates):
    frac = 1.0 - update / updates
    optimizer.param_groups[0]["lr"] = frac * LR
    clip = frac * CLIP
    for step in range(N_STEPS):
        obs_buf[step] = next_obs
        done_buf[step] = next_done
        with torch.no_grad():
            logits = actor(next_obs)
            dist = torch.distributions.Categorical(logits=logits)
            action = dist.sample()
            logp_buf[step] = dist.log_prob(action)
            val_buf[step] = critic(next_obs).squeeze(-1)
        act_buf[step] = action
        obs, reward, terminated, truncated, final, finished = envs.step(action.numpy())
        reward = torch.tensor(reward)
        if truncated.any():  # SB3's bootstrap of truncated episodes
            with torch.no_grad():
                reward[torch.tensor(truncated)] += GAMMA * critic(torch.tensor(final[truncated])).squeeze(-1)
        rew_buf[step] = reward
        returns_seen += finished
        next_obs = torch.tensor(obs)
        next_done = torch.tensor((terminated | truncated).astype(np.float32))
    with torch.no_grad():
        next_value = critic(next_obs).squeeze(-1)
        adv = torch.zeros(N_STEPS, N_ENVS)
        last = torch.zeros(N_ENVS)
        for t in reversed(range(N_STEPS)):
            nonterminal = 1.0 - (next_done if t == N_STEPS - 1 else done_buf[t + 1])
            nv = next_value if t == N_STEPS - 1 else val_buf[t + 1]
            delta = rew_buf[t] + GAMMA * nv * nonterminal - val_buf[t]
            last = delta + GAMMA * LAMBDA * nonterminal * last
            adv[t] = last
        ret = adv + val_buf
    b_obs, b_act, b_logp = obs_buf.reshape(-1, 4), act_buf.reshape(-1), logp_buf.reshape(-1)
    b_adv, b_ret, b_val = adv.reshape(-1), ret.reshape(-1), val_buf.reshape(-1)
    for epoch in range(EPOCHS):
        idx = torch.randperm(batch)
        mb_adv = b_adv[idx]
        mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
        dist = torch.distributions.Categorical(logits=actor(b_obs[idx]))
        logratio = dist.log_prob(b_act[idx]) - b_logp[idx]
        ratio = logratio.exp()
        pg = torch.max(-mb_adv * ratio, -mb_adv * torch.clamp(ratio, 1 - clip, 1 + clip)).mean()
        value = critic(b_obs[idx]).squeeze(-1)
        v_clipped = b_val[idx] + torch.clamp(value - b_val[idx], -clip, clip)
        v_loss = 0.5 * torch.max((value - b_ret[idx]) ** 2, (v_clipped - b_ret[idx]) ** 2).mean()
        loss = pg + VF * v_loss
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, MAX_NORM)
        optimizer.step()
elapsed = time.perf_counter() - start
print(json.dumps({"steps": updates * batch, "seconds": elapsed, "stepsPerSecond": updates * batch / elapsed,
                  "lastReturns": float(np.mean(returns_seen[-20:])) if returns_seen else None, "torch": torch.__version__,
                  "blas": blas_library()}))
