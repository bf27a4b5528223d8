using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Xunit.Sdk;

namespace DenseGen.Tests.Infrastructure;

/// <summary>
/// Snapshot files in the convention of Verify: <c>Snapshots/{TestClass}.{TestMethod}#{HintName}.verified.cs</c> for
/// a generated source, <c>Snapshots/{TestClass}.{TestMethod}.verified.txt</c> for diagnostics. On a mismatch (or
/// a missing snapshot) the actual text is written beside it as <c>.received.*</c> and the test fails; set
/// DENSEGEN_ACCEPT_SNAPSHOTS=1 to write the received text as the new verified snapshot instead.
/// </summary>
internal static class Snapshot
{
    public const string AcceptVariable = "DENSEGEN_ACCEPT_SNAPSHOTS";

    private static readonly System.Text.RegularExpressions.Regex GeneratorVersion =
        new("GeneratedCode\\(\"DenseGen\\.Generator\", \"[^\"]*\"\\)", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// Compares generated source with its snapshot, the generator's version in <c>[GeneratedCode]</c> replaced by
    /// <c>{version}</c> (as Verify scrubs it), so a release does not rewrite every snapshot.
    /// </summary>
    public static void VerifySource(string text, string hintName, string testClass, [CallerMemberName] string testMethod = "", [CallerFilePath] string callerFile = "")
    {
        text = GeneratorVersion.Replace(text, "GeneratedCode(\"DenseGen.Generator\", \"{version}\")");
        string hintWithoutExtension = hintName.EndsWith(".cs", StringComparison.Ordinal) ? hintName[..^3] : hintName;
        Verify(text, $"{testClass}.{testMethod}#{hintWithoutExtension}", ".cs", callerFile);
    }

    public static void VerifyText(string text, string testClass, [CallerMemberName] string testMethod = "", [CallerFilePath] string callerFile = "") =>
        Verify(text, $"{testClass}.{testMethod}", ".txt", callerFile);

    private static void Verify(string text, string baseName, string extension, string callerFile)
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        Directory.CreateDirectory(directory);
        string verifiedPath = Path.Combine(directory, baseName + ".verified" + extension);
        string receivedPath = Path.Combine(directory, baseName + ".received" + extension);
        text = text.Replace("\r\n", "\n");

        string? verified = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath).Replace("\r\n", "\n") : null;
        if (verified == text)
        {
            File.Delete(receivedPath);
            return;
        }

        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            File.WriteAllText(verifiedPath, text);
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, text);
        string detail = verified is null ? "no verified snapshot exists yet" : FirstDifference(verified, text);
        throw new XunitException(
            $"Snapshot mismatch for {baseName}: {detail}.\nReceived text written to {receivedPath}.\n" +
            $"Compare it with {verifiedPath}; if the change is intended, rename it or rerun with {AcceptVariable}=1.");
    }

    private static string FirstDifference(string expected, string actual)
    {
        string[] expectedLines = expected.Split('\n'), actualLines = actual.Split('\n');
        int line = Enumerable.Range(0, Math.Min(expectedLines.Length, actualLines.Length))
            .FirstOrDefault(i => expectedLines[i] != actualLines[i], -1);
        if (line < 0)
            return $"the texts differ in length ({expectedLines.Length} lines verified, {actualLines.Length} received)";
        return $"first difference at line {line + 1}: verified \"{expectedLines[line].Trim()}\", received \"{actualLines[line].Trim()}\"";
    }
}
