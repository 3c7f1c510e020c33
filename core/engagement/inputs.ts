// Input schemas for comments and collections, shared by the pages and the API.
import { z } from 'zod'

export const COMMENT_MAX = 2000

export const commentInput = z.object({
  text: z.string({ error: 'Write a comment.' }).trim().min(1, 'Write a comment.').max(COMMENT_MAX, `Comments have at most ${COMMENT_MAX} characters.`),
  parent_id: z.number({ error: 'parent_id is a comment id.' }).int().positive().nullable().optional(),
})

export const collectionInput = z.object({
  name: z.string({ error: 'Name the collection.' }).trim().min(1, 'Name the collection.').max(60, 'Collection names have at most 60 characters.'),
  description: z.string().trim().max(300, 'Descriptions have at most 300 characters.').default(''),
  visibility: z.enum(['public', 'private'], { error: 'A collection is public or private.' }).default('private'),
})
