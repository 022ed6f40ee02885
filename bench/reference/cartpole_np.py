"""CartPole-v1 with Gymnasium's dynamics (Euler integration, 0.02 s, thresholds 12 degrees and 2.4, 500-step
limit), vectorised over environments with NumPy and reset on done (same-step autoreset). A reference for the
benchmarks only: bench/agents.ts runs it beside daogym's trainers when Debian's python3-torch is present."""
import numpy as np

GRAVITY, MASSCART, MASSPOLE, LENGTH, FORCE, TAU = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
TOTAL = MASSCART + MASSPOLE
POLEMASS_LENGTH = MASSPOLE * LENGTH
THETA_LIMIT = 12 * 2 * np.pi / 360
X_LIMIT = 2.4


def blas_library():
    """The BLAS this process loaded (Debian's torch links the libblas.so.3 alternative: reference BLAS or OpenBLAS)."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.lower() and line.split()[-1].startswith("/")}
    return ", ".join(sorted(paths)) or None


class VecCartPole:
    def __init__(self, n, seed):
        self.n = n
        self.rng = np.random.default_rng(seed)
        self.state = self.rng.uniform(-0.05, 0.05, (n, 4))
        self.steps = np.zeros(n, dtype=np.int64)
        self.returns = np.zeros(n)

    def reset(self):
        return self.state.astype(np.float32)

    def step(self, actions):
        x, x_dot, theta, theta_dot = self.state.T
        force = np.where(actions == 1, FORCE, -FORCE)
        cos, sin = np.cos(theta), np.sin(theta)
        temp = (force + POLEMASS_LENGTH * theta_dot**2 * sin) / TOTAL
        theta_acc = (GRAVITY * sin - cos * temp) / (LENGTH * (4.0 / 3.0 - MASSPOLE * cos**2 / TOTAL))
        x_acc = temp - POLEMASS_LENGTH * theta_acc * cos / TOTAL
        x = x + TAU * x_dot
        x_dot = x_dot + TAU * x_acc
        theta = theta + TAU * theta_dot
        theta_dot = theta_dot + TAU * theta_acc
        self.state = np.stack([x, x_dot, theta, theta_dot], axis=1)
        self.steps += 1
        terminated = (np.abs(x) > X_LIMIT) | (np.abs(theta) > THETA_LIMIT)
        truncated = (self.steps >= 500) & ~terminated
        rewards = np.ones(self.n, dtype=np.float32)
        self.returns += 1
        done = terminated | truncated
        final = self.state.astype(np.float32)
        finished = self.returns[done].tolist()
        if done.any():
            k = int(done.sum())
            self.state[done] = self.rng.uniform(-0.05, 0.05, (k, 4))
            self.steps[done] = 0
            self.returns[done] = 0
        return self.state.astype(np.float32), rewards, terminated, truncated, final, finished
