// Attributes the compiler understands by name, declared here for the .NET Standard builds whose libraries lack
// them. Internal, so they never clash with a consumer's own copies.
#if !NET8_0_OR_GREATER
namespace System.Diagnostics.CodeAnalysis
{
    /// <summary>Lets a struct member return a reference to the struct's own fields (C# 11); on interfaces it only documents.</summary>
    [AttributeUsage(AttributeTargets.Method | AttributeTargets.Property | AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
    internal sealed class UnscopedRefAttribute : Attribute
    {
    }

#if !NETSTANDARD2_1
    /// <summary>Tells nullable analysis that a method never returns.</summary>
    [AttributeUsage(AttributeTargets.Method, Inherited = false)]
    internal sealed class DoesNotReturnAttribute : Attribute
    {
    }
#endif
}

namespace System.Runtime.CompilerServices
{
    /// <summary>Lets the compiler emit init-only setters, which records have (C# 9).</summary>
    internal static class IsExternalInit
    {
    }
}
#endif
