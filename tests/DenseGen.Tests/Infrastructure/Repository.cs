using System;
using System.IO;

namespace DenseGen.Tests.Infrastructure;

internal static class Repository
{
    /// <summary>The clone's root: the first folder above the test binaries that holds DenseGen.sln.</summary>
    public static string Root()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DenseGen.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException("DenseGen.sln not found above " + AppContext.BaseDirectory);
    }
}
