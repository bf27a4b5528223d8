using System;
using DenseGen.Generator.Model;
using DenseGen.Generator.Shared;

namespace DenseGen.Generator.Layers.Dense;

/// <summary>The three kernels of a layer.</summary>
internal enum KernelKind
{
    Forward,
    WeightGradient,
    InputGradient,
    OneSampleBackward,
}

/// <summary>
/// Decides how far each kernel is unrolled. RyuJIT stops optimizing a method past fixed limits (60,000 bytes
/// of IL, 20,000 IL instructions, 2,000 basic blocks, 2,000 locals, 8,000 local references), and a huge
/// straight-line method also costs JIT time and register-allocation quality long before that. So in Auto mode
/// the planner takes the most unrolled shape whose kernel stays within <see cref="StatementBudget"/>
/// arithmetic statements: whole layer straight-line for small layers, unrolled chunks inside row loops for
/// medium rows, loops around unrolled register tiles for large layers.
/// </summary>
internal static class KernelPlanner
{
    /// <summary>
    /// Statements (loads, stores, multiply-adds) one Auto kernel may hold: about 5 KB of IL (see
    /// <see cref="IlBytesPerStatement"/>). Far below the JIT's hard limits, because long straight-line vector code
    /// is slow well before them: measured here, a 128→10 forward fully unrolled to about 650 statements
    /// (9.3 KB of IL, 222 locals) ran a single sample in 234 ns, and the same kernel with its rows looped in
    /// 43 ns; the register allocator spills across the long blocks.
    /// </summary>
    public const int StatementBudget = 300;

    /// <summary>Average IL bytes per counted statement, measured (see the IL-size test).</summary>
    public const int IlBytesPerStatement = 18;

    /// <summary>The JIT's IL size limit for optimizing a method (DEFAULT_MIN_OPTS_CODE_SIZE).</summary>
    public const int JitIlSizeLimit = 60_000;

    public static Unrolling Choose(DenseSpec spec, VectorWidth width, KernelKind kind)
    {
        if (spec.FullUnroll)
            return Unrolling.Full;
        // A fully unrolled kernel holds at least one statement per vector of weights; skip the dry run when
        // that alone is past the budget.
        bool fullCanFit = (long)spec.In * spec.Out / width.Lanes <= StatementBudget;
        if (fullCanFit && Statements(spec, width, kind, Unrolling.Full) <= StatementBudget)
            return Unrolling.Full;
        if (Statements(spec, width, kind, Unrolling.Chunks) <= StatementBudget)
            return Unrolling.Chunks;
        return Unrolling.Loops;
    }

    /// <summary>How many statements a kernel has at an unrolling level, by writing it and counting.</summary>
    public static int Statements(DenseSpec spec, VectorWidth width, KernelKind kind, Unrolling unrolling)
    {
        var writer = new KernelWriter(new IndentedWriter(), spec);
        Write(writer, width, kind, unrolling);
        return writer.Statements;
    }

    public static void Write(KernelWriter writer, VectorWidth width, KernelKind kind, Unrolling unrolling)
    {
        switch (kind)
        {
            case KernelKind.Forward:
                VectorKernels.WriteForward(writer, width, unrolling);
                break;
            case KernelKind.WeightGradient:
                VectorKernels.WriteWeightGradient(writer, width, unrolling);
                break;
            case KernelKind.InputGradient:
                VectorKernels.WriteInputGradient(writer, width, unrolling);
                break;
            case KernelKind.OneSampleBackward:
                VectorKernels.WriteOneSampleBackward(writer, width, unrolling);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    /// <summary>
    /// For a layer that asks for full unrolling: the largest kernel's name and estimated IL size, when that
    /// crosses the JIT's limit, and a description of what Auto would emit instead; otherwise null.
    /// </summary>
    public static (string Method, long IlBytes, string AutoPlan)? FullUnrollOverLimit(DenseSpec spec)
    {
        VectorWidth[] widths = VectorWidth.For(spec);
        if (widths.Length == 0)
            return null;
        // The narrowest width has the most statements.
        VectorWidth narrowest = widths[widths.Length - 1];
        (string Method, long IlBytes)? largest = null;
        foreach (KernelKind kind in new[] { KernelKind.Forward, KernelKind.WeightGradient, KernelKind.InputGradient, KernelKind.OneSampleBackward })
        {
            long bytes = (long)EstimatedStatements(spec, narrowest, kind) * IlBytesPerStatement;
            if (largest is null || bytes > largest.Value.IlBytes)
                largest = (KernelName(kind, narrowest), bytes);
        }
        if (largest!.Value.IlBytes <= JitIlSizeLimit)
            return null;

        DenseSpec auto = spec with { FullUnroll = false };
        string plan = Choose(auto, narrowest, KernelKind.Forward) switch
        {
            Unrolling.Full => "unroll it fully as well",
            Unrolling.Chunks => "spell out each row's vectors but loop over the rows, keeping every method small enough to optimize",
            _ => "loop over rows and vector chunks around unrolled register tiles, keeping every method small enough to optimize",
        };
        return (largest.Value.Method, largest.Value.IlBytes, plan);
    }

    // Counting a fully unrolled huge layer by writing it would build megabytes of text in the parser, so
    // estimate it from the statements of one row tile: the kernels repeat that tile for every row.
    private static long EstimatedStatements(DenseSpec spec, VectorWidth width, KernelKind kind)
    {
        const int Rows = 4;
        if (spec.Out <= 2 * Rows)
            return Statements(spec, width, kind, Unrolling.Full);
        DenseSpec slice = spec with { Out = Rows };
        return (long)Statements(slice, width, kind, Unrolling.Full) * spec.Out / Rows;
    }

    public static string KernelName(KernelKind kind, VectorWidth width) => kind switch
    {
        KernelKind.Forward => VectorKernels.ForwardName(width),
        KernelKind.WeightGradient => VectorKernels.WeightGradientName(width),
        KernelKind.InputGradient => VectorKernels.InputGradientName(width),
        _ => VectorKernels.OneSampleBackwardName(width),
    };
}
