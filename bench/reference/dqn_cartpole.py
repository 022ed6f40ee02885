"""DQN on CartPole-v1 in PyTorch with RL Zoo's settings (256x256 relu, buffer 100k, learning starts 1,000, batch 64,
train every 256 steps with 128 gradient steps, target copied every 10 steps, lr 2.3e-3, epsilon 1 -> 0.04 over
16 % of 100k steps, Huber loss, gradient norm 10, one thread). The speed reference for daogym's DQN; prints JSON.
Usage: python3 dqn_cartpole.py STEPS SEED"""
import json, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from cartpole_np import VecCartPole, blas_library

torch.set_num_threads(1)
steps_total = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
torch.manual_seed(seed)
rng = np.random.default_rng(seed)
BUFFER, STARTS, BATCH, GAMMA, FREQ, GRAD_STEPS, TARGET_EVERY, LR = 100_000, 1000, 64, 0.99, 256, 128, 10, 2.3e-3
SCHEDULE_STEPS = 0.16 * 100_000


def net():
    return nn.Sequential(nn.Linear(4, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 2))


q, q_target = net(), net()
q_target.load_state_dict(q.state_dict())
optimizer = torch.optim.Adam(q.parameters(), lr=LR)
obs_b = np.zeros((BUFFER, 4), np.float32)
next_b = np.zeros((BUFFER, 4), np.float32)
act_b = np.zeros(BUFFER, np.int64)
rew_b = np.zeros(BUFFER, np.float32)
done_b = np.zeros(BUFFER, np.float32)
env = VecCartPole(1, seed)
obs = env.reset()[0]
size = 0
pos = 0
returns_seen = []
start = time.perf_counter()
for step in range(1, steps_total + 1):
    eps = max(0.04, 1.0 - (1.0 - 0.04) * step / SCHEDULE_STEPS)
    if rng.random() < eps:
        action = int(rng.integers(2))
    else:
        with torch.no_grad():
            action = int(q(torch.from_numpy(obs).unsqueeze(0)).argmax())
    next_obs, reward, terminated, truncated, final, finished = env.step(np.array([action]))
    obs_b[pos], next_b[pos], act_b[pos], rew_b[pos], done_b[pos] = obs, final[0], action, reward[0], float(terminated[0])
    pos = (pos + 1) % BUFFER
    size = min(size + 1, BUFFER)
    returns_seen += finished
    obs = next_obs[0]
    if step > STARTS and step % FREQ == 0:
        for _ in range(GRAD_STEPS):
            idx = rng.integers(size, size=BATCH)
            o, n = torch.from_numpy(obs_b[idx]), torch.from_numpy(next_b[idx])
            with torch.no_grad():
                target = torch.from_numpy(rew_b[idx]) + GAMMA * (1 - torch.from_numpy(done_b[idx])) * q_target(n).max(1).values
            current = q(o).gather(1, torch.from_numpy(act_b[idx]).unsqueeze(1)).squeeze(1)
            loss = F.smooth_l1_loss(current, target)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(q.parameters(), 10)
            optimizer.step()
    if step % TARGET_EVERY == 0:
        q_target.load_state_dict(q.state_dict())
elapsed = time.perf_counter() - start
print(json.dumps({"steps": steps_total, "seconds": elapsed, "stepsPerSecond": steps_total / elapsed,
                  "lastReturns": float(np.mean(returns_seen[-20:])) if returns_seen else None, "torch": torch.__version__,
                  "blas": blas_library()}))
