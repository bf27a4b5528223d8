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
        if (compilation is CSharpCompilation csharp && (int)csharp.LanguageVersion < CSharp12)
            return new TargetInfo("C# 12 or later (this project compiles as C# " + FormatVersion((int)csharp.LanguageVersion) + ")");
        return new TargetInfo(null, compilation.Options is CSharpCompilationOptions { AllowUnsafe: true });
    }

    private static string FormatVersion(int version) =>
        version % 100 == 0
            ? (version / 100).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : (version / 100).ToString(System.Globalization.CultureInfo.InvariantCulture) + "." + (version % 100).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
