using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DenseGen.Generator.Shared;

/// <summary>Reads named attribute arguments and finds their syntax, for the layer and network parsers alike.</summary>
internal static class AttributeArguments
{
    /// <summary>The value of the named argument <paramref name="name"/>, or null when it is not given.</summary>
    public static TypedConstant? Named(AttributeData attribute, string name)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Key == name)
                return argument.Value;
        }
        return null;
    }

    /// <summary>The syntax of the named argument <paramref name="name"/>, where a diagnostic about it should point.</summary>
    public static AttributeArgumentSyntax? Syntax(AttributeSyntax? syntax, string name) =>
        syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);
}
