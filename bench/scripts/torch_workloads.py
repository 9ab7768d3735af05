#!/usr/bin/env python3
"""PyTorch side of `offsafe-bench nn` and `offsafe-bench gemm` (bench/Cli/BenchCommands.cs).

Implements the five engine workloads specified in shared/bench/torch_anchor.py (same network
shapes, batch sizes, warm-up and repetition counts, mean time per call after warm-up) and measures
float32 matrix-multiply throughput with torch.mm, which runs on the machine's BLAS (OpenBLAS on
Debian). Prints one JSON object on stdout.

Set-up (Debian): apt-get install -y python3-torch libopenblas0-pthread
Run: /usr/bin/python3 torch_workloads.py --threads 1 [--scale 1.0] [--skip-workloads | --infer-only]
         [--peak] [--sgemm 256x256x256 4096x256x260 ...]
"""
import argparse
import json
import math
import time

import torch

parser = argparse.ArgumentParser()
parser.add_argument("--threads", type=int, default=1)
parser.add_argument("--scale", type=float, default=1.0, help="multiplies repetition counts")
parser.add_argument("--skip-workloads", action="store_true")
parser.add_argument("--infer-only", action="store_true", help="time only the critic inference workloads (infer_b1/b100/b4096)")
parser.add_argument("--peak", action="store_true", help="measure sgemm GFLOP/s on large square products")
parser.add_argument("--sgemm", nargs="*", default=[], help="MxNxK shapes to time with torch.mm")
opts = parser.parse_args()

torch.set_num_threads(opts.threads)
torch.manual_seed(0)
BATCH = 256


def measure(step, repetitions, warmup=20):
    """Mean wall and CPU seconds (all threads of the process) of one call after warm-up; the wall
    figure is the anchor's method. CPU time is reported too because the machine is shared: it
    counts only the time this process actually ran."""
    repetitions = max(5, int(repetitions * opts.scale))
    for _ in range(warmup):
        step()
    start, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(repetitions):
        step()
    return (time.perf_counter() - start) / repetitions, (time.process_time() - start_cpu) / repetitions


def record(key, step, repetitions, warmup=20):
    unit = 1e6 if key.endswith("_us") else 1e3
    wall, cpu = measure(step, repetitions, warmup)
    result[key] = wall * unit
    result["cpu"][key] = cpu * unit


def relu_mlp(inputs, width, hidden_layers, outputs):
    modules, fan_in = [], inputs
    for _ in range(hidden_layers):
        modules.append(torch.nn.Linear(fan_in, width))
        modules.append(torch.nn.ReLU())
        fan_in = width
    modules.append(torch.nn.Linear(fan_in, outputs))
    return torch.nn.Sequential(*modules)


def polyak(source, target, tau):
    with torch.no_grad():
        for p, pt in zip(source.parameters(), target.parameters()):
            pt.mul_(1 - tau).add_(tau * p)


result = {"threads": opts.threads, "torch_version": torch.__version__, "cpu": {}}

OBS, ACT = 2, 2

if not opts.skip_workloads and not opts.infer_only:
    # critic_update: twin-head safety critic, pessimistic (max over heads) target from a target
    # network evaluated at (s', tanh(pi(s'))), MSE on sigmoid outputs, Adam, Polyak averaging.
    critic = relu_mlp(OBS + ACT, 256, 2, 2)
    critic_target = relu_mlp(OBS + ACT, 256, 2, 2)
    actor = relu_mlp(OBS, 256, 2, ACT)
    critic_target.load_state_dict(critic.state_dict())
    critic_opt = torch.optim.Adam(critic.parameters(), lr=3e-4)
    s, a = torch.randn(BATCH, OBS), torch.randn(BATCH, ACT)
    cost = (torch.rand(BATCH, 1) < 0.1).float()
    s_next = torch.randn(BATCH, OBS)
    done = torch.zeros(BATCH, 1)

    def critic_update():
        with torch.no_grad():
            a_next = torch.tanh(actor(s_next))
            risk_next = torch.sigmoid(critic_target(torch.cat([s_next, a_next], 1))).max(1, keepdim=True)[0]
            target = cost + (1 - cost) * (1 - done) * 0.8 * risk_next
        risk = torch.sigmoid(critic(torch.cat([s, a], 1)))
        loss = ((risk - target) ** 2).mean()
        critic_opt.zero_grad()
        loss.backward()
        critic_opt.step()
        polyak(critic, critic_target, 2e-4)

    record("critic_update_ms", critic_update, 300)

    # maml_iter: MESA meta-iteration, 5 tasks, one inner SGD step with second-order gradients.
    from torch.nn.utils.stateless import functional_call

    meta_net = relu_mlp(OBS + ACT, 100, 3, 1)
    meta_target = relu_mlp(OBS + ACT, 100, 3, 1)
    meta_opt = torch.optim.Adam(meta_net.parameters(), lr=1e-5)
    task_batches = [(torch.randn(BATCH, OBS), torch.randn(BATCH, ACT),
                     (torch.rand(BATCH, 1) < 0.1).float(), torch.randn(BATCH, OBS)) for _ in range(10)]

    def risk_loss(weights, batch):
        bs, ba, bc, bs_next = batch
        with torch.no_grad():
            a_next = torch.tanh(actor(bs_next))
            target = bc + (1 - bc) * 0.8 * torch.sigmoid(meta_target(torch.cat([bs_next, a_next], 1)))
        risk = torch.sigmoid(functional_call(meta_net, weights, (torch.cat([bs, ba], 1),)))
        return ((risk - target) ** 2).mean()

    def maml_iter():
        meta_opt.zero_grad()
        weights = dict(meta_net.named_parameters())
        for task in range(5):
            grads = torch.autograd.grad(risk_loss(weights, task_batches[task]), list(weights.values()), create_graph=True)
            adapted = {name: w - 1e-3 * g for (name, w), g in zip(weights.items(), grads)}
            (risk_loss(adapted, task_batches[task + 5]) / 5).backward()
        torch.nn.utils.clip_grad_norm_(meta_net.parameters(), 40)
        meta_opt.step()

    record("maml_iter_ms", maml_iter, 100, warmup=5)

    # sac_update: cartpole sizes, twin Q, tanh-Gaussian actor, fixed temperature 0.2.
    SO, SA = 4, 1
    q1, q2 = relu_mlp(SO + SA, 256, 2, 1), relu_mlp(SO + SA, 256, 2, 1)
    q1_target, q2_target = relu_mlp(SO + SA, 256, 2, 1), relu_mlp(SO + SA, 256, 2, 1)
    sac_actor = relu_mlp(SO, 256, 2, 2 * SA)
    q_opt = torch.optim.Adam(list(q1.parameters()) + list(q2.parameters()), lr=3e-4)
    actor_opt = torch.optim.Adam(sac_actor.parameters(), lr=3e-4)
    S, A = torch.randn(BATCH, SO), torch.rand(BATCH, SA) * 2 - 1
    R, S_next, D = torch.randn(BATCH, 1), torch.randn(BATCH, SO), torch.zeros(BATCH, 1)

    def tanh_gaussian(states):
        mean, log_std = sac_actor(states).chunk(2, 1)
        log_std = log_std.clamp(-20, 2)
        std = log_std.exp()
        u = mean + std * torch.randn_like(mean)
        action = torch.tanh(u)
        log_prob = (-0.5 * ((u - mean) / std) ** 2 - log_std - 0.5 * math.log(2 * math.pi)).sum(1, keepdim=True)
        log_prob = log_prob - torch.log(1 - action.pow(2) + 1e-6).sum(1, keepdim=True)
        return action, log_prob

    def sac_update():
        with torch.no_grad():
            a_next, logp_next = tanh_gaussian(S_next)
            x_next = torch.cat([S_next, a_next], 1)
            target = R + (1 - D) * 0.99 * (torch.min(q1_target(x_next), q2_target(x_next)) - 0.2 * logp_next)
        x = torch.cat([S, A], 1)
        q_loss = ((q1(x) - target) ** 2).mean() + ((q2(x) - target) ** 2).mean()
        q_opt.zero_grad()
        q_loss.backward()
        q_opt.step()
        a_new, logp = tanh_gaussian(S)
        x_new = torch.cat([S, a_new], 1)
        actor_loss = (0.2 * logp - torch.min(q1(x_new), q2(x_new))).mean()
        actor_opt.zero_grad()
        actor_loss.backward()
        actor_opt.step()
        polyak(q1, q1_target, 0.005)
        polyak(q2, q2_target, 0.005)

    record("sac_update_ms", sac_update, 200)

if not opts.skip_workloads:
    # Inference: the twin-head critic's pessimistic risk for a candidate batch; b1 is one online
    # query (a single state-action pair), the latency a job scoring each step feels.
    infer_critic = relu_mlp(OBS + ACT, 256, 2, 2)
    with torch.no_grad():
        rows1, rows100, rows4096 = torch.randn(1, OBS + ACT), torch.randn(100, OBS + ACT), torch.randn(4096, OBS + ACT)
        record("infer_b1_us", lambda: torch.sigmoid(infer_critic(rows1)).max(1)[0], 20000)
        record("infer_b100_us", lambda: torch.sigmoid(infer_critic(rows100)).max(1)[0], 2000)
        record("infer_b4096_us", lambda: torch.sigmoid(infer_critic(rows4096)).max(1)[0], 100)


def mm_gflops(m, n, k):
    a, b = torch.randn(m, k), torch.randn(k, n)
    flops = 2.0 * m * n * k
    repetitions = max(3, int(5e8 / flops))
    best = float("inf")
    for _ in range(3):  # best of three rounds: the figure is a capability, not a typical latency
        best = min(best, measure(lambda: torch.mm(a, b), repetitions, warmup=2)[0])
    return flops / best / 1e9


if opts.peak:
    result["sgemm_peak_gflops"] = max(mm_gflops(1024, 1024, 1024), mm_gflops(2048, 2048, 2048))

if opts.sgemm:
    result["sgemm_gflops"] = {}
    for shape in opts.sgemm:
        m, n, k = (int(v) for v in shape.lower().split("x"))
        result["sgemm_gflops"][shape] = mm_gflops(m, n, k)

print(json.dumps(result))
