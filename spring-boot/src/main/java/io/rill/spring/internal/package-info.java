/**
 * The starter's workings (binding, option merging, output, the bean post-processor, configuration metadata):
 * not API, may change in any release.
 */
package io.rill.spring.internal;
