using System;
using System.IO;

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
}
