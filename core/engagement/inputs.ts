// Input schemas for comments and collections, shared by the pages and the API.
import { z } from 'zod'

export const COMMENT_MAX = 2000

export const commentInput = z.object({
  text: z.string({ error: 'Write a comment.' }).trim().min(1, 'Write a comment.').max(COMMENT_MAX, `Comments have at most ${COMMENT_MAX} characters.`),
  parent_id: z.number({ error: 'parent_id is a comment id.' }).int().positive().nullable().optional(),
})

/** The fields of a collection, without defaults: a partial update leaves the others alone. */
export const collectionFields = z.object({
  name: z.string({ error: 'Name the collection.' }).trim().min(1, 'Name the collection.').max(60, 'Collection names have at most 60 characters.'),
  description: z.string().trim().max(300, 'Descriptions have at most 300 characters.'),
  visibility: z.enum(['public', 'private'], { error: 'A collection is public or private.' }),
})

/** A new collection: private with no description unless told otherwise. */
export const collectionInput = collectionFields.extend({
  description: collectionFields.shape.description.default(''),
  visibility: collectionFields.shape.visibility.default('private'),
})
