using System.ComponentModel;
using System.Linq;
using System.Reflection;
using Xunit;

namespace DenseGen.Tests;

/// <summary>
/// The runtime types that only generated code calls live in <c>DenseGen.CompilerServices</c>, hidden from IntelliSense,
/// so they can change in any release without breaking a user's source; everything else users see.
/// </summary>
public class CompilerServicesTests
{
    [Fact]
    public void HiddenTypesAreExactlyTheCompilerServicesNamespace()
    {
        foreach (System.Type type in typeof(DenseAttribute).Assembly.GetExportedTypes())
        {
            bool hidden = type.GetCustomAttribute<EditorBrowsableAttribute>()?.State == EditorBrowsableState.Never;
            bool compilerServices = type.Namespace == "DenseGen.CompilerServices";
            Assert.True(hidden == compilerServices, $"{type.FullName}: hidden {hidden}, in DenseGen.CompilerServices {compilerServices}");
        }
        Assert.Contains(typeof(DenseAttribute).Assembly.GetExportedTypes(), t => t.Namespace == "DenseGen.CompilerServices");
    }
}
