using System;
using System.IO;
using Xunit;

namespace DenseGen.Tests.Infrastructure;

/// <summary>
/// The real models other projects exported (ML-Agents, Godot RL Agents, the ONNX model zoo, RTNeural), which the
/// repository does not hold: they are read from the folder <c>DENSEGEN_EXTERNAL</c> names, else from
/// <c>shared/external</c> beside the folder that holds DenseGen.sln. Where neither exists (a clone on its own), the
/// tests that need them are skipped, saying why, and <c>.ci/run</c> prints that they did not run.
/// </summary>
internal static class ExternalModels
{
    /// <summary>The environment variable that names the folder.</summary>
    public const string Variable = "DENSEGEN_EXTERNAL";

    /// <summary>The folder, or null when there is none. A folder the variable names is taken as given: if it lacks a model, the test fails saying so.</summary>
    public static string? Folder { get; } = Find();

    /// <summary>Why the tests are skipped when there is no folder.</summary>
    public const string SkipReason = "external models not found: set " + Variable + " to their folder, or put them in shared/external beside the repository";

    /// <summary>The full path of a model in the folder.</summary>
    /// <exception cref="InvalidOperationException">There is no folder (the test should have been skipped).</exception>
    public static string Path(string file)
    {
        string folder = Folder ?? throw new InvalidOperationException(SkipReason);
        string path = System.IO.Path.Combine(folder, file);
        Assert.True(File.Exists(path), $"{path} is missing from the external models' folder");
        return path;
    }

    private static string? Find()
    {
        string? named = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(named))
            return System.IO.Path.GetFullPath(named);
        string? beside = Directory.GetParent(Repository.Root())?.FullName;
        if (beside is null)
            return null;
        string folder = System.IO.Path.Combine(beside, "shared", "external");
        return Directory.Exists(folder) ? folder : null;
    }
}

/// <summary>A fact that needs the external models: skipped, saying why, where there are none.</summary>
public sealed class ExternalModelFactAttribute : FactAttribute
{
    public ExternalModelFactAttribute()
    {
        if (ExternalModels.Folder is null)
            Skip = ExternalModels.SkipReason;
    }
}

/// <summary>A theory that needs the external models: skipped, saying why, where there are none.</summary>
public sealed class ExternalModelTheoryAttribute : TheoryAttribute
{
    public ExternalModelTheoryAttribute()
    {
        if (ExternalModels.Folder is null)
            Skip = ExternalModels.SkipReason;
    }
}
