using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DenseGen.Tests.Infrastructure;

/// <summary>
/// A project's MSBuild properties as the compiler hands them to a generator (<c>build_property.Name</c> keys in the
/// global options), for driving the generator in memory as a user's build with those properties would.
/// </summary>
internal sealed class BuildProperties(ImmutableDictionary<string, string> values) : AnalyzerConfigOptionsProvider
{
    public static readonly BuildProperties None = new(ImmutableDictionary<string, string>.Empty);

    public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(values);

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

    private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public static readonly Options Empty = new(ImmutableDictionary<string, string>.Empty);

        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}
