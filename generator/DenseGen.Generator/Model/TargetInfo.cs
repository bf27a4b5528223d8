using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DenseGen.Generator.Model;

/// <summary>Which kind of code a compilation can take.</summary>
internal enum OutputMode
{
    /// <summary>Nothing compiles there (no <c>Span&lt;T&gt;</c>, or a language version below C# 9): DG0009.</summary>
    Unsupported,

    /// <summary>
    /// .NET Standard 2.x, .NET Framework, Unity, or a C# 9–11 project: span-indexed kernels over
    /// <c>System.Numerics.Vector&lt;T&gt;</c>, parameters in arrays, class layers only.
    /// </summary>
    Portable,

    /// <summary>.NET 8+ with C# 12+: inline storage and the unrolled Vector128/256/512 kernels.</summary>
    Full,
}

/// <summary>
/// The few compilation-wide facts the generator depends on, read once per compilation into an equatable
/// record so that the whole <see cref="Compilation"/> never enters the pipeline's model.
/// </summary>
/// <param name="Mode">Which code the compilation takes.</param>
/// <param name="Reason">
/// For <see cref="OutputMode.Unsupported"/>, what the target lacks; for <see cref="OutputMode.Portable"/>, what it lacks
/// for the full output (named in DG0015); otherwise null.
/// </param>
/// <param name="AllowsUnsafe">
/// Whether the project compiles with AllowUnsafeBlocks, which C# requires before code may use [SkipLocalsInit].
/// </param>
/// <param name="HasVectorT">Whether the compilation has <c>System.Numerics.Vector&lt;T&gt;</c>, which portable kernels use when present.</param>
internal sealed record TargetInfo(OutputMode Mode, string? Reason, bool AllowsUnsafe = false, bool HasVectorT = false)
{
    // LanguageVersion.CSharp12 has no enum member in the Roslyn this generator compiles against (4.3), so compare numbers.
    private const int CSharp9 = 900;
    private const int CSharp12 = 1200;

    public bool IsSupported => Mode != OutputMode.Unsupported;

    public bool IsPortable => Mode == OutputMode.Portable;

    public static TargetInfo From(Compilation compilation)
    {
        int language = compilation is CSharpCompilation csharp ? EffectiveVersion(csharp.LanguageVersion) : CSharp12;
        if (compilation.GetTypeByMetadataName("System.Span`1") is null
            || compilation.GetTypeByMetadataName("System.Runtime.InteropServices.MemoryMarshal") is null)
        {
            return new TargetInfo(OutputMode.Unsupported,
                "System.Span<T>, which this target does not have (it comes with .NET Standard 2.1, .NET Core 2.1 or later, or the System.Memory package)");
        }
        if (language < CSharp9)
            return new TargetInfo(OutputMode.Unsupported, "C# 9 or later (this project compiles as " + DescribeLanguage(compilation) + ")");

        bool allowsUnsafe = compilation.Options is CSharpCompilationOptions { AllowUnsafe: true };
        string? missing =
            compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.InlineArrayAttribute") is null ? "[InlineArray], which needs .NET 8 or later"
            : compilation.GetTypeByMetadataName("System.Diagnostics.CodeAnalysis.UnscopedRefAttribute") is null ? "[UnscopedRef], which needs .NET 7 or later"
            : compilation.GetTypeByMetadataName("System.Runtime.Intrinsics.Vector512`1") is null ? "System.Runtime.Intrinsics.Vector512<T>, which needs .NET 8 or later"
            : language < CSharp12 ? "C# 12 or later (this project compiles as " + DescribeLanguage(compilation) + ")"
            : null;
        if (missing is null)
            return new TargetInfo(OutputMode.Full, null, allowsUnsafe, HasVectorT: true);
        bool hasVectorT = compilation.GetTypeByMetadataName("System.Numerics.Vector`1") is not null;
        return new TargetInfo(OutputMode.Portable, missing, allowsUnsafe, hasVectorT);
    }

    private static string DescribeLanguage(Compilation compilation)
    {
        LanguageVersion version = ((CSharpCompilation)compilation).LanguageVersion;
        return version == LanguageVersion.Preview
            ? "the preview of C# " + FormatVersion(EffectiveVersion(LanguageVersion.Preview)) + ", the newest this compiler knows"
            : "C# " + FormatVersion((int)version);
    }

    /// <summary>
    /// The language version as a number. "Preview" is a large sentinel value whatever the compiler, so it stands for
    /// the version after the newest one this compiler has released: C# 11 in Roslyn 4.3, whose latest is C# 10.
    /// </summary>
    private static int EffectiveVersion(LanguageVersion version) =>
        version == LanguageVersion.Preview
            ? (int)LanguageVersion.Latest.MapSpecifiedToEffectiveVersion() + 100
            : (int)version.MapSpecifiedToEffectiveVersion();

    private static string FormatVersion(int version) =>
        version % 100 == 0
            ? (version / 100).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : (version / 100).ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + (version % 100).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
