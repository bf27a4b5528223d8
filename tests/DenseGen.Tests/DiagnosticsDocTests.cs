using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using DenseGen.Tests.Infrastructure;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// docs/diagnostics.md shows, for each id, a declaration that raises it: compiled with the generator, each one must
/// raise that id, at least once for each line whose comment names it, so the page cannot drift from the generator. (The lines marked <c>// fixed</c> are left out; the
/// layers <c>Hidden</c>, <c>Output</c> and <c>Tiny</c> are declared where an example uses them without declaring
/// them.) DG0009, DG0015 and DG0028 need a project without .NET 8 and are covered by <see cref="DiagnosticTests"/>;
/// DG0010 is a bug report and has no example; DG0030 and DG0038 need a file and are covered by BakedWeightsTests and
/// OnnxModelDiagnosticTests.
/// </summary>
[Trait("Category", "Integration")]
public class DiagnosticsDocTests
{
    // DG0030 and DG0038 need a file handed to the compiler; BakedWeightsTests and OnnxModelDiagnosticTests cover them.
    private static readonly string[] NeedsAnotherTarget = ["DG0009", "DG0010", "DG0015", "DG0028", "DG0030", "DG0038"];

    private static readonly (string Name, string Declaration)[] Prelude =
    [
        ("Hidden", "[Dense(In = 784, Out = 128)] public sealed partial class Hidden;"),
        ("Output", "[Dense(In = 128, Out = 10)] public sealed partial class Output;"),
        ("Tiny", "[Dense(In = 16, Out = 16)] public partial struct Tiny;"),
    ];

    public static IEnumerable<object[]> Examples()
    {
        string doc = File.ReadAllText(Path.Combine(Repository.Root(), "docs", "diagnostics.md")).Replace("\r\n", "\n");
        foreach (Match section in Regex.Matches(doc, @"^### (DG\d{4})\n(.*?)(?=^### |\z)", RegexOptions.Singleline | RegexOptions.Multiline))
        {
            string id = section.Groups[1].Value;
            Match block = Regex.Match(section.Groups[2].Value, @"```csharp\n(.*?)```", RegexOptions.Singleline);
            if (!NeedsAnotherTarget.Contains(id))
                yield return [id, block.Success ? block.Groups[1].Value : ""];
        }
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void EachExampleRaisesItsId(string id, string example)
    {
        Assert.False(example.Length == 0, $"{id} has no C# example in docs/diagnostics.md.");
        string bad = string.Join("\n", example.Split('\n').Where(line => !line.Contains("// fixed", System.StringComparison.Ordinal)));
        foreach ((string name, string declaration) in Prelude)
        {
            if (!Regex.IsMatch(bad, $@"\b(class|struct) {name}\b"))
                bad = declaration + "\n" + bad;
        }
        var (result, output) = GeneratorHarness.Run(GeneratorHarness.CreateCompilation("using DenseGen;\n" + bad));
        string[] reported = GeneratorHarness.AllDiagnostics(result, output).Select(d => d.Id).ToArray();
        Assert.Contains(id, reported);
        // Each line the example marks with the id raises it: at least as many reports as marked lines.
        int marked = bad.Split('\n').Count(line => Regex.IsMatch(line, $@"//\s*{id}\b"));
        int reports = reported.Count(reportedId => reportedId == id);
        Assert.True(reports >= marked, $"{id}: {marked} lines are marked with it, {reports} reports");
    }

    [Fact]
    public void EveryIdHasASection()
    {
        string doc = File.ReadAllText(Path.Combine(Repository.Root(), "docs", "diagnostics.md"));
        for (int number = 1; number <= 33; number++)
            Assert.Contains($"\n### DG{number:D4}\n", doc.Replace("\r\n", "\n"));
    }
}
