// GamePolicy: a game's agents deciding every frame with a policy generated from its ONNX file.
//
// policy.onnx is in the form Godot RL Agents exports (inputs obs [batch, 24] and state_ins, outputs output [batch, 4]
// and state_outs); tools/make-torch-fixtures.py made it (group "sample"), with seeded weights rather than trained
// ones: this sample measures deciding, not driving. [OnnxModel("policy.onnx")] below turns the whole graph into C#
// at compile time, weights included, so the program reads no file at run time and runs under NativeAOT.
//
// 1,000 agents bounce around an arena. Each frame gathers every agent's 24 observations into one span and calls
// Forward once for all of them (the way to run a policy for many agents); then the same observations are decided one
// agent per call, the way a game that asks each agent on its own turn would. Each path is timed with a Stopwatch over
// 500 frames after 50 frames of warm-up, and the bytes allocated over those frames are counted: the program prints
// nanoseconds and bytes per decision, and exits 1 unless the bytes are 0 and every decision is finite, and the two
// paths agree within the generated code's error bound.
//
// The agents move by scripted physics, not by their decisions, so that every build sees the same observations to
// the bit; the decisions then differ between builds (JIT or NativeAOT, one vector width or another) only by the
// generated code's rounding, and the printed checksum, the mean of all actions, can be compared across builds
// (--expect-checksum, as CI does with the JIT's and the NativeAOT build's). In a game the actions would steer the
// agents; nothing changes in how the policy is called.
//
// The same kind of policy against ONNX Runtime, at batch 1 and 1,024: tests/DenseGen.Benchmarks/PolicyBenchmarks.cs.
using System;
using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using DenseGen;

double? expectedChecksum = null;
if (args.Length == 2 && args[0] == "--expect-checksum"
    && double.TryParse(args[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed))
{
    expectedChecksum = parsed;
}
else if (args.Length != 0)
{
    Console.Error.WriteLine("usage: GamePolicy [--expect-checksum MEAN-ACTION]");
    return 2;
}

const int Agents = 1_000, WarmUpFrames = 50, Frames = 500;
const long Decisions = (long)Agents * Frames;

var policy = new AgentPolicy();   // the file's weights, baked in
var arena = new Arena(Agents, seed: 1);
float[] observations = new float[Agents * AgentPolicy.ObsSize];
float[] actions = new float[Agents * AgentPolicy.OutputSize], oneByOne = new float[actions.Length];

// The warm-up compiles everything (under the JIT) and brings the weights into the cache.
for (int frame = 0; frame < WarmUpFrames; frame++)
    RunFrame(policy, arena, frame, observations, actions, oneByOne, null, null);

var batchClock = new Stopwatch();
var oneByOneClock = new Stopwatch();
var totals = new Totals();
long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
for (int frame = WarmUpFrames; frame < WarmUpFrames + Frames; frame++)
{
    RunFrame(policy, arena, frame, observations, actions, oneByOne, batchClock, oneByOneClock);
    totals.Add(actions, oneByOne);
}
long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

double checksum = totals.Sum / (Decisions * AgentPolicy.OutputSize);
Console.WriteLine($"{Agents:N0} agents, {Frames:N0} frames after {WarmUpFrames} of warm-up: {Decisions:N0} decisions a path "
    + $"({(JitInfo.GetCompiledMethodCount() > 0 ? "JIT" : "NativeAOT")}, {VectorWidth()})");
Console.WriteLine($"all agents in one Forward per frame: {batchClock.Elapsed.TotalMilliseconds * 1e6 / Decisions,7:F1} ns per decision");
Console.WriteLine($"one agent per Forward:              {oneByOneClock.Elapsed.TotalMilliseconds * 1e6 / Decisions,7:F1} ns per decision");
Console.WriteLine($"allocated: {allocated / (double)(2 * Decisions):G3} bytes per decision ({allocated:N0} bytes over both paths' {Frames:N0} frames)");
Console.WriteLine($"decisions: {(totals.NonFinite == 0 ? "all finite" : totals.NonFinite + " not finite")}; largest |action| {totals.Largest:F3}; "
    + $"the two paths differ by at most {totals.LargestDifference:G2}");
Console.WriteLine($"checksum (mean action): {checksum.ToString("F9", CultureInfo.InvariantCulture)}");

// The tests hold a generated model's outputs of magnitude up to 1 within 1e-5 of a double-precision evaluation of the
// graph; two computations of the same decisions (the two paths here, or two builds) are then within 2e-5 of each
// other, and so are the means of their actions.
const double Bound = 2e-5;
int failures = 0;
if (allocated != 0)
    failures += Fail("the timed frames allocated");
if (totals.NonFinite != 0 || totals.Largest > 1)
    failures += Fail("an action is not finite or exceeds 1 in magnitude, where the bound of these checks does not hold");
if (totals.LargestDifference > Bound)
    failures += Fail($"the batch and one-agent paths differ by more than {Bound:G2}");
if (expectedChecksum is double expected && !(Math.Abs(checksum - expected) <= Bound))
    failures += Fail($"the checksum differs from {expected.ToString("F9", CultureInfo.InvariantCulture)} by more than {Bound:G2}");
return failures == 0 ? 0 : 1;

static int Fail(string message)
{
    Console.WriteLine("FAILED: " + message);
    return 1;
}

// The widest vectors the generated kernels use here: the JIT's depend on the machine, NativeAOT's on the instruction set
// the build targets (docs/install.md).
static string VectorWidth() => Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256"
    : Vector128.IsHardwareAccelerated ? "Vector128" : "scalar";

// One frame: gather, decide for every agent at once (timed), decide again one agent per call (timed), move.
// AggressiveOptimization compiles this fully optimized at once, so the warm-up need not wait for tiered compilation.
[MethodImpl(MethodImplOptions.AggressiveOptimization)]
static void RunFrame(AgentPolicy policy, Arena arena, int frame, float[] observations, float[] actions, float[] oneByOne,
    Stopwatch? batchClock, Stopwatch? oneByOneClock)
{
    arena.Observe(frame, observations);

    batchClock?.Start();
    policy.Forward(observations, actions);
    batchClock?.Stop();

    oneByOneClock?.Start();
    for (int agent = 0; agent < observations.Length / AgentPolicy.ObsSize; agent++)
    {
        policy.Forward(observations.AsSpan(agent * AgentPolicy.ObsSize, AgentPolicy.ObsSize),
            oneByOne.AsSpan(agent * AgentPolicy.OutputSize, AgentPolicy.OutputSize));
    }
    oneByOneClock?.Stop();

    arena.Step();
}

/// <summary>
/// The game's state: agents in the square [-1, 1]², each moving at its own constant speed and bouncing off the walls.
/// Deterministic: the same seed gives the same observations to the bit in every build.
/// </summary>
sealed class Arena
{
    private readonly float[] _x, _y, _vx, _vy;

    public Arena(int agents, ulong seed)
    {
        _x = new float[agents];
        _y = new float[agents];
        _vx = new float[agents];
        _vy = new float[agents];
        var random = new SeededRandom(seed);
        for (int i = 0; i < agents; i++)
        {
            _x[i] = (float)(2 * random.NextDouble() - 1);
            _y[i] = (float)(2 * random.NextDouble() - 1);
            _vx[i] = (float)(0.04 * random.NextDouble() - 0.02);
            _vy[i] = (float)(0.04 * random.NextDouble() - 0.02);
        }
    }

    /// <summary>
    /// Writes each agent's 24 observations, agent after agent: its position and velocity; the offset to the agent it
    /// chases (the next one); its distances to the four walls; the offsets and relative velocities of three squadmates;
    /// a clock (a triangle wave over 120 frames) and its team (±1).
    /// </summary>
    public void Observe(int frame, Span<float> observations)
    {
        int agents = _x.Length;
        float clock = Math.Abs(frame % 120 / 60f - 1);
        for (int i = 0; i < agents; i++)
        {
            Span<float> o = observations.Slice(i * AgentPolicy.ObsSize, AgentPolicy.ObsSize);
            o[0] = _x[i];
            o[1] = _y[i];
            o[2] = _vx[i] * 50;   // velocities scaled to about [-1, 1]
            o[3] = _vy[i] * 50;
            int chased = (i + 1) % agents;
            o[4] = _x[chased] - _x[i];
            o[5] = _y[chased] - _y[i];
            o[6] = _x[i] + 1;     // distances to the left, right, bottom and top walls
            o[7] = 1 - _x[i];
            o[8] = _y[i] + 1;
            o[9] = 1 - _y[i];
            int slot = 10;
            foreach (int offset in Squad)
            {
                int mate = (i + offset) % agents;
                o[slot++] = _x[mate] - _x[i];
                o[slot++] = _y[mate] - _y[i];
                o[slot++] = (_vx[mate] - _vx[i]) * 50;
                o[slot++] = (_vy[mate] - _vy[i]) * 50;
            }
            o[22] = clock;
            o[23] = i % 2 == 0 ? 1 : -1;
        }
    }

    private static ReadOnlySpan<int> Squad => [7, 31, 127];

    /// <summary>Moves every agent by its velocity, reflecting it off the walls.</summary>
    public void Step()
    {
        for (int i = 0; i < _x.Length; i++)
            (_x[i], _vx[i]) = Bounce(_x[i] + _vx[i], _vx[i]);
        for (int i = 0; i < _y.Length; i++)
            (_y[i], _vy[i]) = Bounce(_y[i] + _vy[i], _vy[i]);
    }

    private static (float Position, float Velocity) Bounce(float position, float velocity) =>
        position > 1 ? (2 - position, -velocity) : position < -1 ? (-2 - position, -velocity) : (position, velocity);
}

/// <summary>What the timed frames decided: the sum of all actions (the checksum), and the sanity checks' figures.</summary>
sealed class Totals
{
    public double Sum;
    public int NonFinite;
    public float Largest, LargestDifference;

    public void Add(float[] actions, float[] oneByOne)
    {
        for (int i = 0; i < actions.Length; i++)
        {
            float a = actions[i];
            if (!float.IsFinite(a) || !float.IsFinite(oneByOne[i]))
            {
                NonFinite++;
                continue;
            }
            Sum += a;
            Largest = Math.Max(Largest, Math.Abs(a));
            LargestDifference = Math.Max(LargestDifference, Math.Abs(a - oneByOne[i]));
        }
    }
}

/// <summary>The policy: Dense 24 → 64 (tanh) → 64 (tanh) → 4, generated from policy.onnx with its weights.</summary>
/// <remarks>MaxBatch = 1,024 lets one pass take every agent of a frame; the default (16) would take them 16 at a time.</remarks>
[OnnxModel("policy.onnx", MaxBatch = 1024)]
sealed partial class AgentPolicy;
