using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DenseGen.Generator.Model;

/// <summary>
/// The few compilation-wide facts the generator depends on, read once per compilation into an equatable
/// record so that the whole <see cref="Compilation"/> never enters the pipeline's model.
/// </summary>
/// <param name="MissingRequirement">What the target lacks for the generated code to compile, or null when nothing is missing.</param>
/// <param name="AllowsUnsafe">
/// Whether the project compiles with AllowUnsafeBlocks, which C# requires before code may use [SkipLocalsInit].
/// </param>
internal sealed record TargetInfo(string? MissingRequirement, bool AllowsUnsafe = false)
{
    // LanguageVersion.CSharp12 has no enum member in the Roslyn this generator compiles against (4.3), so compare numbers.
    private const int CSharp12 = 1200;

    public bool IsSupported => MissingRequirement is null;

    public static TargetInfo From(Compilation compilation)
    {
        if (compilation.GetTypeByMetadataName("System.Span`1") is null)
            return new TargetInfo("System.Span<T>, which this target framework does not have");
        if (compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.InlineArrayAttribute") is null)
            return new TargetInfo("[InlineArray] storage, which needs .NET 8 or later");
        if (compilation.GetTypeByMetadataName("System.Diagnostics.CodeAnalysis.UnscopedRefAttribute") is null)
            return new TargetInfo("[UnscopedRef], which needs .NET 7 or later");
        if (compilation is CSharpCompilation csharp && EffectiveVersion(csharp.LanguageVersion) < CSharp12)
        {
            return new TargetInfo(csharp.LanguageVersion == LanguageVersion.Preview
                ? "C# 12 or later (this project compiles as the preview of C# " + FormatVersion(EffectiveVersion(LanguageVersion.Preview)) + ", the newest this compiler knows)"
                : "C# 12 or later (this project compiles as C# " + FormatVersion((int)csharp.LanguageVersion) + ")");
        }
        return new TargetInfo(null, compilation.Options is CSharpCompilationOptions { AllowUnsafe: true });
    }

    /// <summary>
    /// The language version as a number. "Preview" is a large sentinel value whatever the compiler, so it stands for
    /// the version after the newest one this compiler has released: C# 11 in Roslyn 4.3, whose latest is C# 10.
    /// </summary>
    private static int EffectiveVersion(LanguageVersion version) =>
        version == LanguageVersion.Preview
            ? (int)LanguageVersion.Latest.MapSpecifiedToEffectiveVersion() + 100
            : (int)version;

    private static string FormatVersion(int version) =>
        version % 100 == 0
            ? (version / 100).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : (version / 100).ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + (version % 100).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
