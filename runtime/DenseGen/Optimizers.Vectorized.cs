using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using static DenseGen.SpanVectors;

namespace DenseGen;

// The updates for .NET 8 and later: generic math, Adam vectorized (its square roots and divisions dominate a step).
public abstract partial class Optimizer<T>
{
    /// <summary>
    /// The smallest positive normal <typeparamref name="T"/>: a momentum below it becomes zero (see the class remarks).
    /// Measured on a Zen 4 core, an Adam step over momenta decaying through the subnormal numbers took 1.7× as long.
    /// </summary>
    private protected static T SmallestNormal =>
        typeof(T) == typeof(float) ? T.CreateTruncating(BitConverter.Int32BitsToSingle(0x0080_0000))
        : typeof(T) == typeof(double) ? T.CreateTruncating(BitConverter.Int64BitsToDouble(0x0010_0000_0000_0000))
        : T.Epsilon;

    /// <summary>Zero where <c>|x|</c> is below <paramref name="smallestNormal"/> (see <see cref="SmallestNormal"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected static T FlushSubnormal(T x, T smallestNormal) => T.Abs(x) < smallestNormal ? T.Zero : x;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected static Vector512<T> FlushSubnormal(Vector512<T> x, Vector512<T> smallestNormals) =>
        Vector512.AndNot(x, Vector512.LessThan(Vector512.Abs(x), smallestNormals));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private protected static Vector<T> FlushSubnormal(Vector<T> x, Vector<T> smallestNormals) =>
        Vector.AndNot(x, Vector.LessThan(Vector.Abs(x), smallestNormals));
}

public sealed partial class Sgd<T>
{
    /// <inheritdoc/>
    // Fully optimized from the first step: a training loop should not spend its first steps in unoptimized code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients, int stateOffset)
    {
        ref T p = ref MemoryMarshal.GetReference(parameters);
        ref T g = ref MemoryMarshal.GetReference(gradients);
        T rate = T.CreateChecked(_learningRate), decay = T.CreateChecked(_weightDecay), momentum = T.CreateChecked(_momentum);
        if (!_hasVelocity || momentum == T.Zero)
        {
            for (int i = 0; i < parameters.Length; i++)
            {
                ref T pi = ref Unsafe.Add(ref p, i);
                pi -= rate * (Unsafe.Add(ref g, i) + decay * pi);
            }
            return;
        }
        ref T v = ref _velocity.Span[stateOffset];
        T smallestNormal = SmallestNormal;
        for (int i = 0; i < parameters.Length; i++)
        {
            ref T pi = ref Unsafe.Add(ref p, i);
            ref T vi = ref Unsafe.Add(ref v, i);
            vi = FlushSubnormal(momentum * vi + (Unsafe.Add(ref g, i) + decay * pi), smallestNormal);
            pi -= rate * vi;
        }
    }
}

public sealed partial class Adam<T>
{
    /// <inheritdoc/>
    // Fully optimized from the first step: a training loop should not spend its first steps in unoptimized code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients, int stateOffset)
    {
        // The bias corrections in double whatever T is, as PyTorch computes them on the host in double.
        double correction1 = 1 - BiasCorrectionPower(_beta1);
        double correction2 = 1 - BiasCorrectionPower(_beta2);
        T stepSize = T.CreateChecked(_learningRate / correction1);
        T inverseRootCorrection2 = T.CreateChecked(1 / Math.Sqrt(correction2));
        T beta1 = T.CreateChecked(_beta1), beta2 = T.CreateChecked(_beta2);
        T oneMinusBeta1 = T.CreateChecked(1 - _beta1), oneMinusBeta2 = T.CreateChecked(1 - _beta2);
        T epsilon = T.CreateChecked(_epsilon), decay = T.CreateChecked(_weightDecay), smallestNormal = SmallestNormal;

        ref T p = ref MemoryMarshal.GetReference(parameters);
        ref T g = ref MemoryMarshal.GetReference(gradients);
        ref T m = ref _firstMoment.Span[stateOffset];
        ref T v = ref _secondMoment.Span[stateOffset];
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // The widest vectors the hardware has: a step's square roots and divisions take most of its time.
            Vector512<T> beta1s = Vector512.Create(beta1), beta2s = Vector512.Create(beta2);
            Vector512<T> oneMinusBeta1s = Vector512.Create(oneMinusBeta1), oneMinusBeta2s = Vector512.Create(oneMinusBeta2);
            Vector512<T> stepSizes = Vector512.Create(stepSize), inverseRoots = Vector512.Create(inverseRootCorrection2);
            Vector512<T> epsilons = Vector512.Create(epsilon), decays = Vector512.Create(decay), smallestNormals = Vector512.Create(smallestNormal);
            for (; i <= parameters.Length - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                nuint at = (nuint)i;
                Vector512<T> pv = Vector512.LoadUnsafe(ref p, at);
                Vector512<T> gv = Vector512.LoadUnsafe(ref g, at) + decays * pv;
                Vector512<T> mv = FlushSubnormal(beta1s * Vector512.LoadUnsafe(ref m, at) + oneMinusBeta1s * gv, smallestNormals);
                Vector512<T> vv = beta2s * Vector512.LoadUnsafe(ref v, at) + oneMinusBeta2s * (gv * gv);
                mv.StoreUnsafe(ref m, at);
                vv.StoreUnsafe(ref v, at);
                (pv - stepSizes * mv / (Vector512.Sqrt(vv) * inverseRoots + epsilons)).StoreUnsafe(ref p, at);
            }
        }
        else if (Vector.IsHardwareAccelerated)
        {
            Vector<T> beta1s = new(beta1), beta2s = new(beta2), oneMinusBeta1s = new(oneMinusBeta1), oneMinusBeta2s = new(oneMinusBeta2);
            Vector<T> stepSizes = new(stepSize), inverseRoots = new(inverseRootCorrection2), epsilons = new(epsilon), decays = new(decay);
            Vector<T> smallestNormals = new(smallestNormal);
            for (; i <= parameters.Length - Vector<T>.Count; i += Vector<T>.Count)
            {
                Vector<T> pv = SpanVectors.Load(ref p, i);
                Vector<T> gv = SpanVectors.Load(ref g, i) + decays * pv;
                Vector<T> mv = FlushSubnormal(beta1s * SpanVectors.Load(ref m, i) + oneMinusBeta1s * gv, smallestNormals);
                Vector<T> vv = beta2s * SpanVectors.Load(ref v, i) + oneMinusBeta2s * (gv * gv);
                Store(mv, ref m, i);
                Store(vv, ref v, i);
                Store(pv - stepSizes * mv / (Vector.SquareRoot(vv) * inverseRoots + epsilons), ref p, i);
            }
        }
        for (; i < parameters.Length; i++)
        {
            ref T pi = ref Unsafe.Add(ref p, i);
            T gi = Unsafe.Add(ref g, i) + decay * pi;
            ref T mi = ref Unsafe.Add(ref m, i);
            ref T vi = ref Unsafe.Add(ref v, i);
            mi = FlushSubnormal(beta1 * mi + oneMinusBeta1 * gi, smallestNormal);
            vi = beta2 * vi + oneMinusBeta2 * (gi * gi);
            pi -= stepSize * mi / (T.Sqrt(vi) * inverseRootCorrection2 + epsilon);
        }
    }
}
