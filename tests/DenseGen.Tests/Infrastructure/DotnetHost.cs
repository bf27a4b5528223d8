using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading.Tasks;

namespace DenseGen.Tests.Infrastructure;

/// <summary>The <c>dotnet</c> executable, for tests that start child processes.</summary>
internal static class DotnetHost
{
    /// <summary>The host the SDK tells child processes about, else the one running this process, else <c>dotnet</c> on the PATH.</summary>
    public static string Path
    {
        get
        {
            string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(host) && File.Exists(host))
                return host;
            string? current = Environment.ProcessPath;
            return current is not null && System.IO.Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
        }
    }

    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="arguments"/> (and <paramref name="environment"/> added to this
    /// process's), waits for it, and returns its exit code and its standard output followed by its standard error.
    /// </summary>
    /// <exception cref="TimeoutException">It did not finish within <paramref name="timeout"/>; it is killed.</exception>
    public static (int ExitCode, string Output) Run(
        IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(Path, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (workingDirectory is not null)
            start.WorkingDirectory = workingDirectory;
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

        using Process child = Process.Start(start)!;
        // Both streams at once: a child that fills one pipe while the other is being read would never exit.
        Task<string> error = child.StandardError.ReadToEndAsync();
        string output = child.StandardOutput.ReadToEnd();
        if (!child.WaitForExit(timeout))
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish within {timeout}.");
        }
        return (child.ExitCode, output + error.GetAwaiter().GetResult());
    }
}
