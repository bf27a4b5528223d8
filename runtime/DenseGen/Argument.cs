using System;

namespace DenseGen;

/// <summary>Argument checks that every build has (<c>ArgumentNullException.ThrowIfNull</c> and its kin are .NET 6+).</summary>
internal static class Argument
{
    public static void NotNull(object? value, string name)
    {
        if (value is null)
            throw new ArgumentNullException(name);
    }

    public static void NotNullOrEmpty(string? value, string name)
    {
        if (value is null)
            throw new ArgumentNullException(name);
        if (value.Length == 0)
            throw new ArgumentException("The value cannot be an empty string.", name);
    }
}
